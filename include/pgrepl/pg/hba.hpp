// pg_hba.conf: the block of rules pgrepl manages, merged into the existing file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// First line of the managed block.
inline constexpr std::string_view kHbaBeginMarker =
    "# BEGIN pgrepl (managed: edits inside this block are overwritten)";
/// Last line of the managed block.
inline constexpr std::string_view kHbaEndMarker = "# END pgrepl";

/// One pg_hba.conf rule. Fields are hba tokens written as they appear in the file (use
/// hba_quote() for a literal name); address is empty for `local` rules.
struct HbaEntry {
    std::string type;      ///< local, host, hostssl, hostnossl
    std::string database;  ///< database token(s), e.g. replication, all
    std::string user;      ///< user token(s)
    std::string address;   ///< CIDR, host name, or empty for local
    std::string method;    ///< scram-sha-256, md5, peer...
};

/// The managed block: the begin marker, one rule per line with columns aligned, the end
/// marker; every line ends with \n. Throws std::invalid_argument when a field is empty (the
/// address may be empty for local rules only) or contains a newline, carriage return or NUL.
std::string render_hba_block(const std::vector<HbaEntry>& entries);

/// `existing` with `block` (from render_hba_block) placed before its first rule (the first
/// line that is neither blank nor a comment), or at the end when it has none. Any managed
/// block already present, wherever it is, is removed first; every byte outside the blocks is
/// kept, so merging again gives the same file. The block gets CRLF line ends when the
/// existing file uses them, and a missing final newline is added before an appended block.
/// An Error (Conflict) when a begin marker has no end marker or an end marker no begin.
/// Throws std::invalid_argument when `block` does not start and end with the markers.
Result<std::string> merge_hba(std::string_view existing, std::string_view block);

/// True when `address` is an IPv4 or IPv6 address, with or without a prefix length; false for a
/// host name.
bool is_ip_address(std::string_view address);

/// Rules letting `user` open replication connections from each address:
/// `host replication USER ADDR/32 METHOD`; an IPv6 address gets /128, an address that already
/// has a prefix length or is a host name is kept as is. METHOD is scram-sha-256, or md5 before
/// PostgreSQL 10. The user is hba_quote'd.
std::vector<HbaEntry> replication_entries(PgVersion version, std::string_view user,
                                          const std::vector<std::string>& addresses);

/// Rules letting the rewind role `user` log in to database postgres from each address (what
/// pg_rewind's --source-server needs), addresses and METHOD as replication_entries(); none
/// before PostgreSQL 11 (rewind_role_supported()).
std::vector<HbaEntry> rewind_entries(PgVersion version, std::string_view user,
                                     const std::vector<std::string>& addresses);

/// The `access:` rules of the inventory as hba entries (fields as written).
std::vector<HbaEntry> access_entries(const std::vector<AccessRule>& rules);

}  // namespace pgrepl
