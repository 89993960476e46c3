// What `pgrepl verify` gathers from one host in its single read-only round trip: the
// PostgreSQL processes seen by ps, the end of the server log, and the answers of the catalog
// queries (server state, pg_stat_replication, pg_stat_wal_receiver, slots, pg_settings).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/pg/archive.hpp"
#include "pgrepl/pg/replication_state.hpp"
#include "pgrepl/pg/settings_check.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// A walsender process as its ps title shows it.
struct WalSenderProcess {
    int pid = 0;         ///< process id
    std::string user;    ///< replication role
    std::string client;  ///< "10.0.0.12(40312)" or "[local]"
    std::string state;   ///< first word after the client: streaming, catchup, idle...
};

/// The walreceiver process of a standby as its ps title shows it.
struct WalReceiverProcess {
    int pid = 0;        ///< process id
    std::string state;  ///< first word after the process name: streaming, restarting...
};

/// The processes of the host's cluster that verify looks at (the classic runbook's `ps`).
struct PostgresProcesses {
    std::optional<int> postmaster_pid;              ///< the cluster's postmaster, if running
    std::vector<WalSenderProcess> walsenders;       ///< every walsender of the cluster
    std::optional<WalReceiverProcess> walreceiver;  ///< the walreceiver, if one runs
};

/// Everything gathered from one host. A field is empty when it could not be gathered; the
/// reason is in `unreachable`, `gather_error`, `psql_error` or `query_errors`.
struct HostState {
    const Host* host = nullptr;               ///< the inventory host
    std::optional<Error> unreachable;         ///< the SSH connection failed
    std::optional<Error> gather_error;        ///< the gather command could not run or was cut short
    PostgresProcesses processes;              ///< from ps
    std::vector<std::string> log_tail;        ///< the last lines of the server log (oldest first)
    bool accepting = false;                   ///< psql could connect and run the queries
    std::string psql_error;                   ///< why psql could not connect (its first error line)
    std::optional<LiveServer> server;         ///< the server-state query (live_server_sql())
    std::vector<ReplicationRow> replication;  ///< pg_stat_replication (walsenders here)
    std::optional<WalReceiverInfo> receiver;  ///< pg_stat_wal_receiver (none on a primary)
    std::vector<SlotInfo> slots;              ///< pg_replication_slots
    std::vector<SettingRow> settings;         ///< pg_settings rows of the managed settings
    std::vector<FileSettingRow> file_settings;  ///< their pg_file_settings entries
    std::optional<ArchiverStats> archiver;      ///< pg_stat_archiver (only when archiving)
    std::vector<std::string> query_errors;      ///< "query: what went wrong", one per failure
    /// The first line of pgrepl's fence marker (cluster_paths().fence_file, written by promote
    /// when it fences an old primary) when the file exists ("" when empty or unreadable);
    /// std::nullopt when it does not exist or the host did not answer.
    std::optional<std::string> fence_note;
    /// Patroni on this host, after `pgrepl handoff patroni` (asked when the inventory has a
    /// patroni section).
    struct PatroniView {
        bool configured = false;      ///< its /etc/patroni/V-NAME.yml exists
        int status = 0;               ///< HTTP status of GET /patroni (0: no answer)
        std::string role;             ///< Patroni's role: primary (master) or replica
        std::string state;            ///< running, starting, stopped...
        std::optional<int> timeline;  ///< the timeline Patroni reports
        std::string error;            ///< why there is no answer, or what was malformed
    };
    std::optional<PatroniView> patroni;  ///< set when the inventory has a patroni section
    /// The etcd member on this host (GET /health of its client URL).
    struct EtcdView {
        int status = 0;        ///< HTTP status (0: no answer)
        bool healthy = false;  ///< {"health":"true"}
        std::string detail;    ///< the body, or why there was none
    };
    std::optional<EtcdView> etcd;  ///< set when the host is an etcd member of patroni.dcs

    /// True when the host answered the gather command.
    bool reached() const { return !unreachable && !gather_error; }
    /// True when PostgreSQL runs: psql connected, or ps shows the cluster's postmaster.
    bool running() const { return accepting || processes.postmaster_pid.has_value(); }
    /// True when the host runs as a primary (not in recovery).
    bool is_primary() const { return server && server->role == LiveRole::Primary; }
    /// True when the host runs as a standby (in recovery).
    bool is_standby() const { return server && server->role == LiveRole::Standby; }
};

/// Parses `ps -eo pid=,args=` output into the processes of the host's cluster: the postmaster
/// whose command line has `config_file=/etc/postgresql/V/NAME/postgresql.conf`, and the
/// walsender/walreceiver titles ("postgres: 15/main: walsender replicator 10.0.0.12(40312)
/// streaming 0/3000148"; "wal sender process" and "wal receiver process" before 11). Titles
/// carrying another cluster's name are ignored when some title carries "V/NAME".
PostgresProcesses parse_postgres_processes(std::string_view ps_output, const Host& host);

}  // namespace pgrepl
