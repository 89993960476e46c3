// A host's state as setup needs it, gathered in ONE remote round trip: the probe facts, the
// content of the files pgrepl manages and the answers of a few catalog queries.
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

/// What to gather besides the probe facts.
struct SnapshotRequest {
    std::vector<std::string> files;  ///< absolute paths to read (missing is fine)
    /// Host names to resolve on the host, as its own programs would (getent ahosts).
    std::vector<std::string> host_names;
    std::vector<std::pair<std::string, std::string>>
        queries;  ///< (name, SQL) run when PostgreSQL runs; a name asked twice runs once
    /// When set: try a replication login with it (IDENTIFY_SYSTEM, then TIMELINE_HISTORY of
    /// the upstream's timeline when it is above 1).
    std::string replication_login_conninfo;
    /// Normal (non-replication) logins to try, (name, conninfo): each runs `SELECT 1`. A name
    /// is one word.
    std::vector<std::pair<std::string, std::string>> login_tests;
    /// What the round trip is for: the command's purpose and the context of its errors.
    std::string purpose = "gather state";
};

/// The gathered state.
struct HostSnapshot {
    HostFacts facts;                   ///< the probe facts (files, pg_controldata)
    std::optional<LiveServer> server;  ///< the running server's answer (live_server_sql())
    /// Why the server did not answer although the cluster runs (psql's first error line, or
    /// what was malformed in its answer); "" otherwise.
    std::string server_error;
    std::map<std::string, std::optional<std::string>> files;  ///< path → content (nullopt: missing)
    std::map<std::string, std::string> queries;               ///< name → psql -At output
    /// Requested host name → the addresses it resolves to on the host, sorted (empty: it does
    /// not resolve there).
    std::map<std::string, std::vector<std::string>> resolved;
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
    /// The output of a gathered query ("" when it was not run).
    std::string query(const std::string& name) const;
    /// The addresses a requested host name resolves to on the host (empty when it does not
    /// resolve or was not asked for).
    std::vector<std::string> addresses_of(const std::string& host_name) const;
};

/// The remote script that prints the snapshot (run as RunAs::Admin).
std::string snapshot_script(const Host& host, const SnapshotRequest& request);

/// Parses the output of snapshot_script().
Result<HostSnapshot> parse_snapshot(std::string_view output);

/// Gathers a snapshot (one read-only round trip; its output may hold secrets and is never logged).
Result<HostSnapshot> take_snapshot(Executor& executor, const Host& host,
                                   const SnapshotRequest& request);

}  // namespace pgrepl
