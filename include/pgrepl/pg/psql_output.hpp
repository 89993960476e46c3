// Parsing the output of `psql -X -At -F '|'`: rows of fields, booleans, LSNs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// Splits unaligned, tuples-only psql output into rows of fields. Lines end with \n (a \r
/// before it is dropped); empty lines are skipped, so single-column queries must not return
/// empty strings. NULL prints as an empty field.
std::vector<std::vector<std::string>> parse_psql_rows(std::string_view out, char sep = '|');

/// Like parse_psql_rows, but every row must have exactly `columns` fields; the Error (Remote)
/// names `what` (for instance "pg_stat_replication") and the offending line number.
Result<std::vector<std::vector<std::string>>> parse_psql_table(std::string_view out,
                                                               std::size_t columns,
                                                               std::string_view what,
                                                               char sep = '|');

/// A psql boolean: "t" is true, "f" is false, anything else std::nullopt.
std::optional<bool> parse_psql_bool(std::string_view text);

/// A decimal integer (optionally negative) filling the whole text, else std::nullopt.
std::optional<std::int64_t> parse_int(std::string_view text);

/// A WAL position as printed by PostgreSQL, "16/B374D848": two hex numbers of 1 to 8 digits
/// separated by '/'. std::nullopt when malformed.
std::optional<std::uint64_t> parse_lsn(std::string_view text);

/// The PostgreSQL text form of a WAL position: upper-case hex, "16/B374D848".
std::string format_lsn(std::uint64_t lsn);

}  // namespace pgrepl
