// A host's state gathered in ONE remote round trip: the probe facts, the content of the files
// pgrepl manages, the answers of a few catalog queries and, when asked, the host's processes
// and the end of the server log. setup, promote and ping take the full probe as root; verify
// takes the lean one as the postgres user (FactsDepth::Lean, QuerySession::ReadOnly).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgrepl/engine/facts.hpp"
#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/exec/executor.hpp"

namespace pgrepl {

/// How much of the host probe a snapshot runs.
enum class FactsDepth {
    /// host_probe_script(): os-release, dpkg-query, the cluster's configuration, the data
    /// directory's markers, pg_controldata, the running check, the pg_basebackup search of
    /// /proc; the query session, the server query first, runs only when the cluster runs.
    /// What setup, promote and ping take.
    Full,
    /// No probe (HostSnapshot::facts stays empty): only what a read-only session as the
    /// postgres user needs. The server query (live_server_sql()) is the first query of the
    /// query session, which runs whenever the cluster's psql binary is installed (a stopped
    /// server is then psql's connect error). Needs QuerySession::ReadOnly. What verify takes:
    /// every process forked on the host counts.
    Lean,
};

/// How the query session runs psql and where its errors go.
enum class QuerySession {
    /// The probe's psql (-f -, as postgres on the configured port), its errors merged into the
    /// answers (2>&1), going on after a failed query. Needs FactsDepth::Full.
    Merged,
    /// A read-only session: default_transaction_read_only on, statement_timeout 10 s,
    /// PGCONNECT_TIMEOUT=5, the request's application_name, the cluster's own psql on libpq's
    /// default socket and the inventory port (session_psql()), ON_ERROR_STOP off. psql's errors
    /// go to the command's standard error (HostSnapshot::Session::errors: its connect error or
    /// one "psql:<stdin>:N: ERROR: ..." line per failed query) and its exit status is reported
    /// (127: the psql binary is not installed). Nothing else in the script writes there.
    ReadOnly,
};

/// Whether the snapshot lists the host's processes (`ps -eo pid=,args=`).
enum class ProcessList { No, Yes };

/// What to gather besides the probe facts.
struct SnapshotRequest {
    FactsDepth depth = FactsDepth::Full;          ///< how much of the probe runs
    RunAs run_as = RunAs::Admin;                  ///< who runs the (always read-only) script
    QuerySession session = QuerySession::Merged;  ///< how the queries run
    std::string application_name;                 ///< PGAPPNAME of a ReadOnly session
    ProcessList processes = ProcessList::No;      ///< list the host's processes
    int log_lines = 0;                            ///< lines of the server log to read (0: none)
    std::vector<std::string> files;  ///< absolute paths to read (missing is fine; each read once)
    /// Absolute paths whose first line is read by a shell builtin (no process forked, nothing
    /// on standard error, not even when unreadable); missing is fine.
    std::vector<std::string> first_lines;
    /// Host names to resolve on the host, as its own programs would (getent ahosts).
    std::vector<std::string> host_names;
    /// URLs (http://...) to GET from the host, in one python3 process, 2 s each: Patroni's
    /// REST API and etcd's /health after `pgrepl handoff patroni`.
    std::vector<std::string> http_gets;
    /// (name, SQL) of the query session (Full: run when the cluster runs; Lean: whenever psql
    /// is installed); a name asked twice runs once.
    std::vector<std::pair<std::string, std::string>> queries;
    /// When set: try a replication login with it (IDENTIFY_SYSTEM, then TIMELINE_HISTORY of
    /// the upstream's timeline when it is above 1).
    std::string replication_login_conninfo;
    /// Normal (non-replication) logins to try, (name, conninfo): each runs `SELECT 1`. A name
    /// is one word; a name asked twice is tried once, with its first conninfo.
    std::vector<std::pair<std::string, std::string>> login_tests;
    /// When set, the logins above are tried only while this file (their password file) exists:
    /// without it they cannot pass and each would still cost the other server a backend. While
    /// it is missing, each login reports "password file PATH does not exist yet".
    std::string logins_need_file;
    /// When set, the logins above are skipped while the server query (Full, Merged session)
    /// shows a WAL receiver streaming from this host and port (sender_host and sender_port,
    /// 13+): what they would prove (the upstream is the same system, on a timeline the standby
    /// can follow) is shown by the stream itself. They are then absent from the snapshot.
    std::optional<Endpoint> logins_unless_streaming_from;
    /// What the round trip is for: the command's purpose and the context of its errors.
    std::string purpose = "gather state";
};

/// The gathered state.
struct HostSnapshot {
    HostFacts facts;                   ///< the probe facts (files, pg_controldata)
    std::optional<LiveServer> server;  ///< the running server's answer (live_server_sql())
    /// Why the server did not answer although the cluster runs (Full: psql's first error
    /// line), or what was malformed in its answer; "" otherwise (a Lean snapshot's server that
    /// did not answer has neither: its psql error is in session.errors).
    std::string server_error;
    std::map<std::string, std::optional<std::string>> files;  ///< path → content (nullopt: missing)
    /// Path → its first line without the line end ("" when empty or unreadable; nullopt: missing).
    std::map<std::string, std::optional<std::string>> first_lines;
    std::map<std::string, std::string> queries;  ///< name → psql -At output (absent: not run)
    std::string processes;                       ///< `ps -eo pid=,args=` output (when asked)
    std::vector<std::string> log_tail;           ///< the last lines of the server log, oldest first
    /// What the query session did.
    struct Session {
        bool answered = false;           ///< psql printed at least one query's header: it connected
        std::optional<int> exit_status;  ///< psql's exit status (ReadOnly; 127: not installed)
        std::string errors;  ///< the command's standard error (ReadOnly: psql's errors only)
    };
    Session session;        ///< the query session's outcome
    bool complete = false;  ///< the output reached the script's end (`@@end`)
    /// Requested host name → the addresses it resolves to on the host, sorted (empty: it does
    /// not resolve there).
    std::map<std::string, std::vector<std::string>> resolved;
    /// The answer to one requested GET.
    struct HttpAnswer {
        int status = 0;    ///< the HTTP status; 0: no answer (refused, timed out, no python3)
        std::string body;  ///< the body (status 0: why there was none)
    };
    std::map<std::string, HttpAnswer> http;  ///< requested URL → its answer (absent: none)
    /// The outcome of the replication login test, when one was asked for.
    struct Login {
        /// A failed login with nothing known.
        Login() = default;
        /// The outcome of IDENTIFY_SYSTEM alone (no xlogpos, no timeline history).
        Login(bool ok_, std::string system_identifier_, std::string timeline_, std::string error_)
            : ok(ok_),
              system_identifier(std::move(system_identifier_)),
              timeline(std::move(timeline_)),
              error(std::move(error_)) {}

        bool ok = false;                ///< the login worked
        std::string system_identifier;  ///< IDENTIFY_SYSTEM's systemid when it worked
        std::string timeline;           ///< IDENTIFY_SYSTEM's timeline when it worked
        std::string error;              ///< psql's first error line when it failed
        std::string xlogpos;            ///< IDENTIFY_SYSTEM's xlogpos (its WAL flush position)
        /// The content of TIMELINE_HISTORY for its timeline, asked (over the same kind of
        /// replication connection) only when the login worked on a timeline above 1.
        std::optional<std::string> timeline_history;
        std::string history_error;  ///< psql's first error line when TIMELINE_HISTORY failed
    };
    std::optional<Login> replication_login;  ///< set when the request had a login conninfo
    /// The outcome of one requested normal login.
    struct LoginTest {
        bool ok = false;    ///< SELECT 1 worked
        std::string error;  ///< psql's first error line when it failed
    };
    std::map<std::string, LoginTest> login_tests;  ///< requested login name → outcome

    /// The outcome of the requested login test `name`, or nullptr when it was not asked for.
    const LoginTest* login_test(const std::string& name) const;

    /// The content of a gathered file, or nullopt when it is missing or was not asked for.
    std::optional<std::string> file(const std::string& path) const;
    /// The first line of a file asked in first_lines, or nullopt when it is missing or was
    /// not asked for.
    std::optional<std::string> first_line_of(const std::string& path) const;
    /// The output of a gathered query ("" when it was not run).
    std::string query(const std::string& name) const;
    /// The addresses a requested host name resolves to on the host (empty when it does not
    /// resolve or was not asked for).
    std::vector<std::string> addresses_of(const std::string& host_name) const;
};

/// The remote script that prints the snapshot (run as request.run_as). Its sections, in
/// order: the facts (Full), `@@end-facts`, `@@ps`, `@@log` (each line prefixed by '|'), one
/// `@@line` (body '|' and the line) or `@@noline` per first_lines path, one sized `@@file`
/// or `@@nofile` per file, `@@resolved`, `@@http STATUS URL` (body lines prefixed by '|'), the
/// query session (`@@server` first, or
/// `@@server-error LINE` for a Merged session that did not start, `@@query NAME` blocks,
/// `@@end-queries`, then `@@psql-exit N` when ReadOnly), `@@login`,
/// `@@login-test`, `@@end`. Throws std::invalid_argument for FactsDepth::Lean with
/// QuerySession::Merged or a login (replication or normal): they build on the probe.
std::string snapshot_script(const Host& host, const SnapshotRequest& request);

/// Parses the output of snapshot_script(); files and first lines are keyed by their index in
/// the request ("0", "1", ...). An error when it has no `@@end-facts` or a broken frame.
Result<HostSnapshot> parse_snapshot(std::string_view output);

/// Reads the result of a finished snapshot_script() run: parse_snapshot() of its standard
/// output, files and first lines keyed by path, its standard error as session.errors.
Result<HostSnapshot> read_snapshot(const SnapshotRequest& request, const CommandResult& result);

/// Gathers a snapshot in one round trip, run as request.run_as, always Mutation::ReadOnly
/// (its output may hold secrets and is never logged). An error when the command cannot run
/// or exits non-zero ("HOST: PURPOSE: exit N: STDERR") or its output is malformed.
Result<HostSnapshot> take_snapshot(Executor& executor, const Host& host,
                                   const SnapshotRequest& request);

}  // namespace pgrepl
