// What `pgrepl promote` learns about each host before it decides, in ONE read-only round trip
// per host: the probe facts (running, role, system identifier), the fence marker, and the WAL
// positions, timeline and configured upstream of the server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pgrepl/engine/facts.hpp"
#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/exec/executor.hpp"
#include "pgrepl/exec/reach.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// The live state of one host as promote sees it.
struct PromoteHostState {
    std::string name;                ///< inventory host name
    bool reachable = false;          ///< SSH worked and the state was gathered
    std::string unreachable_reason;  ///< why not (connect or gather error), one line
    /// Not reachable, yet the host answered (host key, login, sudo or the gather command
    /// failed): it is up and may run PostgreSQL, so it must not be assumed dead.
    bool answered = false;
    bool cluster_exists = false;               ///< /etc/postgresql/V/NAME exists
    bool running = false;                      ///< the postmaster runs
    bool has_data = false;                     ///< the data directory holds PG_VERSION
    bool standby_signal = false;               ///< standby.signal or recovery.conf present
    LiveRole role = LiveRole::Unknown;         ///< pg_is_in_recovery(); Unknown when not asked
    std::string system_identifier;             ///< live, else from pg_controldata
    std::string data_directory;                ///< the data directory (pg_lsclusters' view)
    std::optional<std::uint64_t> current_lsn;  ///< a primary's pg_current_wal_lsn()
    std::optional<std::uint64_t> receive_lsn;  ///< a standby's last WAL received and flushed
    std::optional<std::uint64_t> replay_lsn;   ///< a standby's last WAL replayed
    std::optional<int> timeline;               ///< current (primary) or received timeline
    bool replay_paused = false;                ///< a standby with WAL replay paused
    std::string receiver_status;               ///< pg_stat_wal_receiver.status ("" when none)
    /// When the WAL receiver last heard from its sender (last_msg_receipt_time, on the
    /// standby's own clock): how many milliseconds ago, and in microseconds since the epoch.
    /// Empty without a receiver.
    std::optional<std::int64_t> receiver_silence_ms;
    std::optional<std::int64_t> receiver_heard_us;    ///< see receiver_silence_ms
    std::optional<std::int64_t> receiver_timeout_ms;  ///< its wal_receiver_timeout (0: none)
    std::string conninfo_host;                        ///< host= of the configured primary_conninfo
    std::optional<int> conninfo_port;                 ///< port= of the configured primary_conninfo
    std::optional<std::string> fence_note;  ///< first line of the fence marker, when fenced
    std::string query_error;                ///< why the state query failed, if it did
    /// The TCP probe of the PostgreSQL port of a host whose SSH port did not answer (empty when
    /// not probed). Open or Refused: the host is up (`answered`).
    std::optional<ReachResult> postgres_reach;

    /// The furthest WAL position this server holds: a primary's current position, else the
    /// larger of the received and replayed positions (promotion replays all it received).
    std::optional<std::uint64_t> wal_position() const;
};

/// What promote asks the snapshot for besides the server's state (LiveServer): the fence
/// marker, and recovery.conf before 12.
SnapshotRequest promote_state_request(const Host& host);

/// Builds a host's state from its snapshot and its LiveServer (pure). A running server that
/// did not answer sets query_error and leaves the positions empty.
PromoteHostState promote_state_from_snapshot(const Host& host, const HostSnapshot& snapshot);

/// The state of a host that could not be reached or gathered. `answered` is set unless the
/// error is a connect failure or timeout (ErrorKind::Connect, ErrorKind::Timeout).
PromoteHostState unreachable_state(const Host& host, const Error& error);

/// Gathers a host's state (one read-only round trip). Never fails: errors make the host
/// unreachable in the returned state.
PromoteHostState gather_promote_state(Executor& executor, const Host& host);

}  // namespace pgrepl
