// The one way remote scripts run psql and read the server log: the cluster's own psql binary
// (/usr/lib/postgresql/V/bin/psql, not the slower pg_wrapper) with every value shell-quoted.
#pragma once

#include <string>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// Who runs psql.
enum class PsqlUser {
    Current,   ///< the command already runs as postgres (RunAs::Postgres)
    Runuser,   ///< an admin script: `runuser -u postgres -- [env VAR=...] ...`
    Function,  ///< the probe script's as_postgres function: `as_postgres [env VAR=...] ...`
};

/// Whether psql stops at the first failed statement (-v ON_ERROR_STOP=1).
enum class PsqlOnError { Stop, Continue };

/// Whether psql is quiet (-q: no command tags such as SET).
enum class PsqlQuiet { Yes, No };

/// How to run psql. Values are plain text (quoted by psql_command()) except the *_word fields,
/// which are shell words (e.g. "\"$BIN/psql\"", "\"$PORT\"").
struct PsqlCommand {
    PsqlUser user = PsqlUser::Current;               ///< who runs it
    std::string binary_word;                         ///< "": the cluster's own psql, quoted
    std::string port_word;                           ///< "": the inventory port
    std::string socket_dir = "/var/run/postgresql";  ///< -h ("": libpq's default)
    std::string database = "postgres";               ///< -d
    std::string conninfo;          ///< a connection string replacing -h, -p and -d when set
    std::string application_name;  ///< PGAPPNAME ("": none)
    int connect_timeout = 0;       ///< PGCONNECT_TIMEOUT in seconds (0: none)
    PsqlOnError on_error = PsqlOnError::Stop;  ///< -v ON_ERROR_STOP=1
    PsqlQuiet quiet = PsqlQuiet::No;           ///< -q
};

/// The probe script's psql (pgrepl/engine/facts.hpp): as_postgres, "$BIN/psql", "$PORT",
/// going on after errors (a script adds -v ON_ERROR_STOP=1 where it wants it).
PsqlCommand probe_psql();

/// psql in an admin script, as postgres through runuser, going on after errors (one -c).
PsqlCommand runuser_psql();

/// The psql of a read-only session with its errors kept apart (SnapshotRequest's
/// QuerySession::ReadOnly, verify's probe): the cluster's own psql run by `user`, on libpq's
/// default socket directory and the inventory port, PGCONNECT_TIMEOUT=5, `application_name`,
/// quiet (-q), going on after a failed query.
PsqlCommand session_psql(PsqlUser user, std::string application_name);

/// The shell words running psql for `host` as `command` says, always `-X -At -F '|'` (no
/// psqlrc, unaligned tuples, '|' separators). Append -c, -f - or a here-document.
std::string psql_command(const Host& host, const PsqlCommand& command);

/// The last `lines` lines of the cluster's server log (cluster_paths().log_file), for error
/// messages; empty when it cannot be read.
std::string server_log_tail(Executor& executor, const Host& host, int lines);

}  // namespace pgrepl
