// The one model of a running PostgreSQL server that every command reads (setup's drift check,
// verify, promote, and the commands to come): filled by one version-aware query gathered
// through the host snapshot (pgrepl/engine/snapshot.hpp), and the per-host view the live
// topology is discovered from (pgrepl/engine/live_topology.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pgrepl/engine/facts.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// The host= and port= a connection string names (libpq's rules: the last one wins; hostaddr
/// only when there is no host). Empty host: none configured.
struct Endpoint {
    std::string host;         ///< a name or an address, as written
    std::optional<int> port;  ///< std::nullopt: not given (libpq's default 5432)
};

/// A standby's running WAL receiver (pg_stat_wal_receiver).
struct LiveReceiver {
    std::string status;                      ///< streaming, waiting, starting...
    Endpoint sender;                         ///< whom it streams from (sender_host/_port, 13+;
                                             ///< else host=/port= of its conninfo)
    std::optional<int> received_tli;         ///< the timeline it receives
    std::optional<std::int64_t> silence_ms;  ///< milliseconds since last_msg_receipt_time
    std::optional<std::int64_t> heard_us;    ///< last_msg_receipt_time, microseconds since epoch
};

/// A running server as one query sees it. Positions are WAL byte positions.
struct LiveServer {
    LiveRole role = LiveRole::Unknown;         ///< pg_is_in_recovery()
    std::string system_identifier;             ///< pg_control_system()
    std::optional<int> timeline;               ///< current (primary) or received/replayed
    std::optional<std::uint64_t> current_lsn;  ///< a primary's pg_current_wal_lsn()
    std::optional<std::uint64_t> receive_lsn;  ///< a standby's last WAL received and flushed
    std::optional<std::uint64_t> replay_lsn;   ///< a standby's last WAL replayed
    std::optional<double> replay_age_seconds;  ///< now() - pg_last_xact_replay_timestamp()
    std::optional<bool> replay_paused;         ///< a standby's pg_is_wal_replay_paused()
    double clock_epoch = 0;                    ///< the server's clock, Unix seconds
    int server_version_num = 0;                ///< e.g. 150004
    std::string postmaster_start;              ///< pg_postmaster_start_time() as text
    std::optional<LiveReceiver> receiver;      ///< none on a primary or a standby not streaming
    Endpoint configured_upstream;              ///< host=/port= of primary_conninfo (12+: the
                                               ///< setting; before: recovery.conf)
    std::optional<std::int64_t> wal_receiver_timeout_ms;  ///< 0: none

    /// The furthest WAL position this server holds: a primary's current position, else the
    /// larger of the received and replayed positions.
    std::optional<std::uint64_t> wal_position() const;
};

/// The one server-state query of `version` (9.6 to 17: the xlog/location function names before
/// 10, sender_host/sender_port from 13): one row of live_server_columns() '|'-separated fields
/// (in_recovery | system_identifier | timeline | current_lsn | receive_lsn | replay_lsn |
/// replay_age_seconds | replay_paused | clock_epoch | server_version_num | postmaster_start |
/// wal_receiver_timeout | primary_conninfo | receiver status | sender_host | sender_port |
/// receiver conninfo | received_tli | silence_ms | heard_us). Functions that fail on a primary
/// or a standby are guarded; free-text fields have '|' and line breaks replaced by spaces. The
/// output holds primary_conninfo as written (maybe a password): never log it.
std::string live_server_sql(PgVersion version);

/// How many fields a live_server_sql() row has.
inline constexpr std::size_t kLiveServerColumns = 20;

/// Parses live_server_sql() output (one row). Keeps only the host and port of the
/// connection strings. An error (ErrorKind::Remote) names the field that is malformed.
Result<LiveServer> parse_live_server(std::string_view out);

/// The host= and port= of a libpq keyword/value connection string (the last one wins; hostaddr
/// only when there is no host); an empty Endpoint when it is malformed.
Endpoint conninfo_endpoint(std::string_view conninfo);

/// What the live topology needs to know of one host.
struct LiveHost {
    const Host* host = nullptr;             ///< the inventory host
    bool answered = false;                  ///< its state was gathered
    bool running = false;                   ///< PostgreSQL runs (even if it refused our query)
    std::optional<LiveServer> server;       ///< the server's answer, when it gave one
    std::optional<std::string> fence_note;  ///< promote's fence marker, when the host has one
    /// host=/port= of primary_conninfo as the configuration files say, for a server that gave
    /// no answer (e.g. a stopped standby before 12: its recovery.conf); empty host when
    /// unknown. The server's own LiveServer::configured_upstream wins when it has one.
    Endpoint file_upstream;
};

}  // namespace pgrepl
