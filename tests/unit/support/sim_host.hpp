// A simulated PostgreSQL host for step tests: a FakeExecutor whose "gather state" command is
// answered from a small model plus the fake's simulated files, so that a step can be applied
// and re-run against the state it left behind.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fake_executor.hpp"
#include "pgrepl/engine/facts.hpp"
#include "pgrepl/engine/snapshot.hpp"

namespace pgrepl::test {

/// The model of the host's PostgreSQL that the snapshot reports.
struct SimState {
    bool pg_installed = true;                              ///< postgresql-V installed
    bool cluster_exists = true;                            ///< the cluster exists
    bool running = true;                                   ///< the postmaster runs
    int port = 5432;                                       ///< pg_lsclusters port
    std::string data_dir = "/var/lib/postgresql/15/main";  ///< pg_lsclusters data directory
    bool pg_version_file = true;                           ///< PG_VERSION present
    bool standby_signal = false;                           ///< standby.signal present
    bool backup_label = false;                             ///< backup_label present
    bool never_started = false;  ///< no postmaster.opts: the data directory never started
    /// A running server that refuses queries with this first line (e.g. "FATAL:  the database
    /// system is starting up"); "": it answers.
    std::string server_error;
    std::string basebackup_pids;  ///< pg_basebackup processes writing into the stopped data dir
    LiveRole role = LiveRole::Primary;                      ///< pg_is_in_recovery
    std::string system_identifier = "7000000000000000001";  ///< system identifier
    std::string receiver_status;                            ///< wal receiver status
    std::string receiver_host;                              ///< wal receiver host
    /// The WAL positions the server reports: a primary's current one, a standby's received
    /// (empty: none) and replayed ones.
    std::string current_lsn = "0/3000060";
    std::string receive_lsn;                     ///< see current_lsn
    std::string replay_lsn = "0/3000060";        ///< see current_lsn
    int timeline = 1;                            ///< the server's timeline
    std::string primary_conninfo;                ///< the primary_conninfo setting
    std::string receiver_silence_ms;             ///< ms since the receiver last heard ("": unknown)
    std::string receiver_heard_us;               ///< last_msg_receipt_time in µs since the epoch
    std::string receiver_timeout_ms = "60000";   ///< wal_receiver_timeout
    std::map<std::string, std::string> queries;  ///< query name → psql output
    /// More pg_controldata facts (key without the controldata_ prefix → value), e.g.
    /// {"checkpoint", "0/5000060"}, {"min_recovery_tli", "1"}.
    std::map<std::string, std::string> controldata;
    std::optional<HostSnapshot::Login> login;  ///< replication login outcome (when asked)
    /// Normal login tests' outcomes by name (a name not here prints nothing when asked).
    std::map<std::string, HostSnapshot::LoginTest> login_tests;
    /// Host name → the addresses it resolves to on the host (a name not here does not resolve).
    std::map<std::string, std::vector<std::string>> resolves;
    /// The server log's last lines (printed when the snapshot asks for the log).
    std::vector<std::string> log_tail;
    /// The process list (`ps -eo pid=,args=` lines), printed when the snapshot asks for it.
    std::string processes;
};

/// A running standby of system `system_identifier` streaming from `receiver_host`, whose
/// upstream answers the replication login with the same system.
inline SimState streaming_standby(const std::string& system_identifier,
                                  const std::string& receiver_host) {
    SimState state;
    state.role = LiveRole::Standby;
    state.system_identifier = system_identifier;
    state.standby_signal = true;
    state.receiver_status = "streaming";
    state.receiver_host = receiver_host;
    state.login = HostSnapshot::Login{true, system_identifier, "1", ""};
    return state;
}

/// A FakeExecutor with a SimState behind its "gather state" command.
class SimHost {
  public:
    /// A host named `name` with the given starting state.
    explicit SimHost(std::string name = "db1", SimState state = {});

    /// The fake (add expectations for the mutations a step makes).
    FakeExecutor& fake() { return fake_; }
    /// The model (change it from expectations' actions to simulate the effect of a command).
    SimState& state() { return state_; }

    /// Renders the snapshot output for a snapshot script (exposed for tests of the parser).
    std::string render(const std::string& script) const;

  private:
    SimState state_;
    FakeExecutor fake_;
};

}  // namespace pgrepl::test
