// `pgrepl conninfo`: connection strings for applications, built from the inventory and the
// live topology: a libpq multi-host string that lands on the primary for writes (or on a
// standby for reads) wherever the primary is now and after a promote or switchover
// (docs/conninfo.md).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/live_topology.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/exit_code.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// How the connection string is written.
enum class ConninfoFormat {
    Uri,      ///< postgresql://user@h1:p1,h2:p2/db?target_session_attrs=...
    Keyword,  ///< host=h1,h2 port=p1,p2 dbname=... target_session_attrs=...
    Jdbc,     ///< jdbc:postgresql://h1:p1,h2:p2/db?targetServerType=...
    Env,      ///< PGHOST=..., PGPORT=..., one variable per line
};

/// What the application connects for.
enum class ConninfoPurpose {
    Write,  ///< the primary: target_session_attrs=read-write, targetServerType=primary
    Read,   ///< a standby if any answers: prefer-standby, targetServerType=preferSecondary
};

/// One server of the multi-host string.
struct ConninfoServer {
    std::string host;  ///< address or name, as in the inventory
    int port = 5432;   ///< PostgreSQL port
};

/// Everything a connection string is rendered from.
struct ConninfoSpec {
    std::vector<ConninfoServer> servers;               ///< in the order libpq tries them
    std::string user;                                  ///< the application's role
    std::string database;                              ///< the database
    ConninfoPurpose purpose = ConninfoPurpose::Write;  ///< write or read
    int connect_timeout = 5;                           ///< seconds, per server
};

/// The application login: --user and --database when given, else the first `access:` entry
/// that names one role (not all, +group or @file; its database a single name, or sameuser:
/// the role's name; all: postgres). An error (ErrorKind::Usage) when no user can be found or a
/// value holds a control character.
Result<std::pair<std::string, std::string>> application_login(
    const Inventory& inventory, const std::optional<std::string>& user,
    const std::optional<std::string>& database);

/// The inventory hosts (indices) in the order a client should try them: for writes the live
/// primary first, then the live standbys, then the hosts that did not answer; for reads the
/// live standbys first, then the primary, then the rest; each group in inventory order. Hosts
/// that are not members of the cluster (another system identifier) are left out. Pure.
std::vector<std::size_t> conninfo_order(const LiveTopology& topology, ConninfoPurpose purpose);

/// The connection string of `spec` in `format`, with a line end (env: one line per
/// variable). No password is ever part of it. Pure.
std::string render_conninfo(const ConninfoSpec& spec, ConninfoFormat format);

/// Options of a conninfo run.
struct ConninfoOptions {
    ConninfoFormat format = ConninfoFormat::Uri;       ///< --format
    ConninfoPurpose purpose = ConninfoPurpose::Write;  ///< --for
    std::optional<std::string> user;                   ///< --user
    std::optional<std::string> database;               ///< --database
    ReachProbe reach;                                  ///< the TCP probe before SSH
};

/// Reads every host's live role (one read-only round trip each, no lock), orders the hosts
/// and prints the connection string to `out`. Hosts that cannot be reached are kept (last) and
/// named in a warning; a split brain is refused (exit 1) and no string is printed. Returns the
/// exit code.
ExitCode run_conninfo(const Inventory& inventory, const ConninfoOptions& options,
                      const ExecutorFactory& factory, std::ostream& out);

}  // namespace pgrepl
