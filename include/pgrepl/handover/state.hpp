// What the commands that change roles (promote, switchover) learn about each host before they
// decide, in ONE read-only round trip per host: the probe facts (running, role, system
// identifier), the fence marker, and the WAL positions, timeline and configured upstream of
// the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
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

/// The live state of one host as promote and switchover see it: the running server's answer
/// (the one LiveServer model every command reads) and their own facts about the host.
struct HandoverHostState {
    std::string name;                ///< inventory host name
    bool reachable = false;          ///< SSH worked and the state was gathered
    std::string unreachable_reason;  ///< why not (connect or gather error), one line
    /// Not reachable, yet the host answered (host key, login, sudo or the gather command
    /// failed): it is up and may run PostgreSQL, so it must not be assumed dead.
    bool answered = false;
    bool cluster_exists = false;  ///< /etc/postgresql/V/NAME exists
    bool running = false;         ///< the postmaster runs
    bool has_data = false;        ///< the data directory holds PG_VERSION
    bool standby_signal = false;  ///< standby.signal or recovery.conf present
    /// The running server's answer to the state query (role, system identifier, WAL
    /// positions, timeline, WAL receiver, configured upstream); empty when PostgreSQL is not
    /// running, the host was not reached, or the query failed (query_error).
    std::optional<LiveServer> server;
    std::string control_system_identifier;  ///< pg_controldata's (the fallback without server)
    std::string data_directory;             ///< the data directory (pg_lsclusters' view)
    /// host=/port= of recovery.conf's primary_conninfo (before 12), when the file exists.
    std::optional<Endpoint> recovery_conf_upstream;
    std::optional<std::string> fence_note;  ///< first line of the fence marker, when fenced
    /// First line of switchover's marker (pgrepl.switchover), when a switchover stopped it.
    std::optional<std::string> switchover_note;
    std::string query_error;  ///< why the state query failed, if it did
    /// The answers of the extra queries a command added to the state request (name → psql
    /// output; see RequestExtension), empty when the server did not run.
    std::map<std::string, std::string> queries;
    /// The TCP probe of the PostgreSQL port of a host whose SSH port did not answer (empty when
    /// not probed). Open or Refused: the host is up (`answered`).
    std::optional<ReachResult> postgres_reach;

    /// The server's role; Unknown without its answer.
    LiveRole role() const;
    /// The server's system identifier, else pg_controldata's ("" when neither is known).
    const std::string& system_identifier() const;
    /// The server's timeline (current on a primary, received or replayed on a standby).
    std::optional<int> timeline() const;
    /// The furthest WAL position this server holds (LiveServer::wal_position(): promotion
    /// replays all it received); std::nullopt without its answer.
    std::optional<std::uint64_t> wal_position() const;
    /// The server's running WAL receiver; nullptr when it has none (or did not answer).
    const LiveReceiver* receiver() const;
    /// host=/port= of the configured primary_conninfo: the server's setting when it names a
    /// host, else recovery.conf's (before 12); an empty host when none is known.
    Endpoint upstream_endpoint() const;
};

/// What promote and switchover ask the snapshot for besides the server's state (LiveServer): the
/// fence marker, switchover's marker, and recovery.conf before 12.
SnapshotRequest handover_state_request(const Host& host);

/// What a command adds to each host's state request (named queries, in the same one round
/// trip); empty: nothing.
using RequestExtension = std::function<void(const Host& host, SnapshotRequest& request)>;

/// Builds a host's state from its snapshot and its LiveServer (pure). A running server that
/// did not answer sets query_error and leaves `server` empty.
HandoverHostState handover_state_from_snapshot(const Host& host, const HostSnapshot& snapshot);

/// The state of a host that could not be reached or gathered. `answered` is set unless the
/// error is a connect failure or timeout (ErrorKind::Connect, ErrorKind::Timeout). The reason
/// leaves out the host and a "connect" step: read from Error::host/step when the error has
/// them, else stripped from the front of its message ("db1: connect: timeout": "timeout").
HandoverHostState unreachable_state(const Host& host, const Error& error);

/// Gathers a host's state (one read-only round trip). Never fails: errors make the host
/// unreachable in the returned state.
HandoverHostState gather_handover_state(Executor& executor, const Host& host,
                                        const RequestExtension& extend = {});

}  // namespace pgrepl
