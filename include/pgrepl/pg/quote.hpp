// Quoting for the PostgreSQL text formats pgrepl writes: postgresql.conf, libpq conninfo, SQL,
// pg_hba.conf tokens and .pgpass. Pure functions; each one is the only way a value reaches its
// format. Bytes that no format can carry (NUL, and newline where lines are records) throw
// std::invalid_argument: inventory validation refuses them earlier, so reaching that is a bug.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgrepl {

/// A postgresql.conf (or recovery.conf) string literal: 'value' with ' doubled and \ doubled
/// (the configuration lexer treats backslash as an escape). Throws std::invalid_argument on a
/// newline, carriage return or NUL byte.
std::string conf_quote(std::string_view value);

/// The text of a postgresql.conf value, the inverse of conf_quote(): a '...' literal loses its
/// quotes, with '' and \\ made single again; anything else is returned as it is.
std::string conf_unquote(std::string_view value);

/// A libpq conninfo value, always single-quoted, with \ and ' backslash-escaped:
/// `it's` gives `'it\'s'`. Throws std::invalid_argument on a NUL byte.
std::string conninfo_quote(std::string_view value);

/// A libpq conninfo value, bare when it is non-empty and made only of [A-Za-z0-9._/:@+-]
/// (readable `host=10.0.0.1`), otherwise conninfo_quote(value). Throws like conninfo_quote.
std::string conninfo_value(std::string_view value);

/// Parses a libpq keyword/value connection string (`host=a port='5 4'`): values bare up to
/// whitespace or single-quoted, backslash escaping the next character in both. Returns the
/// pairs in order, or std::nullopt when malformed (a keyword without '=', an open quote).
std::optional<std::vector<std::pair<std::string, std::string>>> parse_conninfo(
    std::string_view conninfo);

/// A SQL string literal. Quotes are doubled; a value containing a backslash is written as an
/// escape string E'...' with backslashes doubled, so it means the same whatever the server's
/// standard_conforming_strings is. Throws std::invalid_argument on a NUL byte.
std::string sql_literal(std::string_view value);

/// A SQL delimited identifier: "name" with " doubled (keeps case). Throws
/// std::invalid_argument on an empty value or a NUL byte.
std::string sql_identifier(std::string_view value);

/// A .pgpass field: ':' and '\' escaped with a backslash. Throws std::invalid_argument on a
/// newline, carriage return or NUL byte (a line is a record).
std::string pgpass_escape(std::string_view value);

/// A pg_hba.conf token naming one database or user literally: bare when made of
/// [A-Za-z0-9_.-] and not a keyword (all, sameuser, samerole, samegroup, replication),
/// otherwise "double-quoted" with " doubled. Throws std::invalid_argument on an empty value,
/// a newline, carriage return or NUL byte.
std::string hba_quote(std::string_view value);

}  // namespace pgrepl
