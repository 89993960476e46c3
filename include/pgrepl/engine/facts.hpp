// Host facts: what a host is, gathered in one remote round trip.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// The live role of a PostgreSQL cluster.
enum class LiveRole {
    Unknown,  ///< not running, or not asked
    Primary,  ///< running and not in recovery
    Standby,  ///< running and in recovery
};

/// What one probe learned about a host and its cluster (the running server is a LiveServer).
struct HostFacts {
    std::string user;                      ///< effective user of admin commands (root)
    std::string os;                        ///< PRETTY_NAME of /etc/os-release
    bool pg_installed = false;             ///< the postgresql-V package is installed
    bool cluster_exists = false;           ///< /etc/postgresql/V/NAME exists
    bool cluster_running = false;          ///< the cluster's postmaster is running
    int cluster_port = 0;                  ///< port from pg_lsclusters (0 when unknown)
    std::string data_directory;            ///< data directory from pg_lsclusters
    bool data_dir_has_pg_version = false;  ///< the data directory holds PG_VERSION
    bool standby_signal = false;           ///< standby.signal or recovery.conf present
    bool backup_label = false;             ///< backup_label present (a base backup never started)
    /// No postmaster.opts (written at every start, never by initdb or pg_basebackup): the
    /// data directory was never started, e.g. a new cluster waiting for its settings.
    bool never_started = false;
    /// The probe's user (not root: ssh.become never) cannot search the data directory: what it
    /// holds and whether its server runs are unknown, not "empty" and "stopped".
    bool data_dir_closed = false;
    /// Processes of pg_basebackup writing into the data directory (probed when it is stopped).
    std::vector<std::string> basebackup_pids;
    std::string system_identifier;              ///< pg_controldata's "Database system identifier"
    std::string control_state;                  ///< pg_controldata's "Database cluster state"
    std::string control_checkpoint;             ///< pg_controldata's "Latest checkpoint location"
    std::string control_checkpoint_timeline;    ///< "Latest checkpoint's TimeLineID"
    std::string control_min_recovery;           ///< "Minimum recovery ending location" (0/0: none)
    std::string control_min_recovery_timeline;  ///< "Min recovery ending loc's timeline"
    std::string control_checksum_version;       ///< "Data page checksum version" (0: off)
    std::string control_wal_log_hints;          ///< "wal_log_hints setting" (on/off)
    std::map<std::string, std::string> raw;     ///< every key=value line, for debugging
};

/// The shell script that prints the facts of `host` as key=value lines (run as RunAs::Admin).
/// Defines pg_psql, BIN, as_postgres and `running` for the scripts that follow it (the query
/// session asks the server; see snapshot_script()).
std::string host_probe_script(const Host& host);

/// Parses the key=value lines of host_probe_script()'s output (frames are ignored).
HostFacts parse_host_probe(std::string_view output);

/// "primary", "standby" or "unknown".
const char* to_string(LiveRole role);

}  // namespace pgrepl
