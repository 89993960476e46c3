// pg_rewind's needs on the source server, as SQL: the rewind role (LOGIN, neither SUPERUSER
// nor REPLICATION) and exactly the EXECUTE grants an online-source pg_rewind uses. From
// PostgreSQL 11 on these functions can be granted; before 11 they are superuser-only, and
// pgrepl never creates a superuser, so there is no rewind role there (rejoin re-clones).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// The signatures (pg_catalog, argument types) of the functions pg_rewind calls on an online
/// source, which the rewind role may EXECUTE; empty before 11 (they cannot be granted there).
std::vector<std::string> rewind_functions(PgVersion version);

/// True when pg_rewind can run as a non-superuser role on this version (11 and later).
bool rewind_role_supported(PgVersion version);

/// The rewind role as seen by rewind_role_probe_sql().
struct RewindRoleInfo {
    bool can_login = false;     ///< rolcanlogin
    bool superuser = false;     ///< rolsuper: pgrepl refuses to manage a superuser role
    bool replication = false;   ///< rolreplication: more than pg_rewind needs
    bool has_password = false;  ///< rolpassword is set
    /// rewind_functions() the role may not EXECUTE yet, in rewind_functions() order.
    std::vector<std::string> missing_grants;
};

/// One row `t|rolcanlogin|rolsuper|rolreplication|has password|EXECUTE on each of
/// rewind_functions()` for the role, or no row when it does not exist. Reads pg_authid: run as
/// a superuser in database postgres (the grants are per database: pg_rewind connects there).
std::string rewind_role_probe_sql(PgVersion version, std::string_view user);

/// Parses rewind_role_probe_sql() output: std::nullopt when the role does not exist.
Result<std::optional<RewindRoleInfo>> parse_rewind_role_probe(PgVersion version,
                                                              std::string_view out);

/// Whether the role exists already (ALTER) or not (CREATE).
enum class RoleExists { No, Yes };

/// `CREATE ROLE "user" WITH LOGIN NOSUPERUSER NOREPLICATION PASSWORD '...'` (or ALTER ROLE for
/// an existing one), then `GRANT EXECUTE ON FUNCTION ...` for every rewind_functions() entry,
/// after the same log-silencing preamble as create_role_sql(): send on stdin, never log it.
/// Throws std::invalid_argument before 11 (callers check rewind_role_supported()).
std::string rewind_role_sql(PgVersion version, std::string_view user, std::string_view password,
                            RoleExists exists);

/// What pg_rewind said it did (its info lines, on stdout before 13 and stderr from 13 on).
struct RewindOutput {
    bool no_rewind_required = false;                 ///< "no rewind required"
    /// "source and target cluster are on the same timeline" (by their pg_control files).
    bool same_timeline = false;
    std::optional<std::uint64_t> fork_point;         ///< "servers diverged at WAL location X ..."
    std::uint32_t fork_timeline = 0;                 ///< "... on timeline N" (0: not said)
    std::optional<std::uint64_t> common_checkpoint;  ///< "rewinding from last common checkpoint at"
};

/// Parses pg_rewind's output; lines it does not know are ignored.
RewindOutput parse_rewind_output(std::string_view output);

}  // namespace pgrepl
