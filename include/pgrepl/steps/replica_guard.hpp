// The replica step's guard: what may be done to a host's data directory (pure, unit-tested).
#pragma once

#include <optional>
#include <string>

#include "pgrepl/engine/facts.hpp"
#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/pg/timeline.hpp"
#include "pgrepl/steps/clone_marker.hpp"

namespace pgrepl {

/// What the replica step will do.
enum class ReplicaAction {
    None,         ///< already a standby of this cluster: leave it alone
    Reconfigure,  ///< a standby of this cluster whose standby settings differ: rewrite them
    Start,        ///< a stopped standby of this cluster: (rewrite settings and) start it
    Clone,        ///< empty, freshly initialised, or pgrepl's interrupted clone: (re-)clone it
    Rewind,       ///< a stopped old primary or diverged standby of this cluster: pg_rewind it
    FinishClone,  ///< a streaming standby of this cluster with the clone marker left: remove it
    Refuse,       ///< holds a primary or another system's data: refused without --force
    Wait,         ///< cannot decide yet (the upstream is not ready): needs the upstream first
};

/// What the guard knows.
struct ReplicaGuardInput {
    HostFacts facts;                   ///< the replica host's facts
    std::optional<LiveServer> server;  ///< its running server's answer, when it gave one
    std::optional<std::string>
        upstream_system_identifier;    ///< from a replication login, if it worked
    std::string upstream_login_error;  ///< why the login failed, if it did
    bool fresh = false;                ///< a running primary with no user data at all
    /// The stopped data directory is the never-started cluster that the cluster step created
    /// (pgrepl's fresh marker names its system identifier; no backup_label, no standby.signal)
    bool fresh_created = false;
    std::string data_summary;          ///< e.g. "3 databases, 12 tables" for messages
    bool standby_files_match = false;  ///< standby settings on disk are the desired ones
    std::string upstream_name;         ///< for messages
    std::string host_name;             ///< the replica's name, for hints
    Force force = Force::No;           ///< --force
    /// A running standby's timeline and replay position, when known.
    std::optional<StandbyTimeline> standby_timeline;
    /// The upstream's timeline and its history (from the replication login), when known.
    std::optional<UpstreamTimeline> upstream_timeline;
    /// pgrepl's clone marker of this cluster (ClusterPaths::clone_marker), when present.
    std::optional<CloneMarker> clone_marker;
    /// The host carries promote's fence marker (ClusterPaths::fence_file).
    bool fenced = false;
    /// pg_rewind can log in as the rewind role on this version (11+, rewind_role_supported()).
    bool rewind_supported = false;
    /// Why pg_rewind's login to the upstream (the rewind role, database postgres) failed; empty
    /// when it worked or was not tried.
    std::string rewind_login_error;
    /// A running standby's server log says, since it last started streaming, that its upstream
    /// removed WAL it needs ("requested WAL segment ... has already been removed").
    bool upstream_removed_wal = false;
    /// WAL is archived (replication.archive): a standby may catch up from the archive.
    bool archive = false;
    /// host=/port= that the standby's primary_conninfo must name (the upstream's address and
    /// port); an empty host: not compared.
    Endpoint desired_upstream;

    /// The running server's system identifier, else pg_controldata's ("" when unknown).
    const std::string& system_identifier() const;
};

/// The decision with its reason (and hint for refusals).
struct ReplicaDecision {
    ReplicaAction action = ReplicaAction::None;  ///< what to do
    std::string reason;                          ///< one line
    std::string hint;                            ///< for Refuse and Wait
};

/// Decides what the replica step may do. Never Clone over a running or stopped primary that
/// has data, a diverged primary of this cluster, or another system's standby, unless forced.
/// A stopped data directory with the clone marker of the upstream's system is pgrepl's own
/// interrupted clone when it has no pg_control yet, or the upstream's system identifier and
/// its backup_label (never started): cloned again without --force. While a pg_basebackup
/// writes into a stopped data directory, only such a clone (or --force) may go on (the apply
/// waits for it to end); anything else is refused.
/// A running standby of this cluster that replayed past the point where the upstream's
/// timeline forked (it cannot follow) is refused, or re-cloned with --force; when a timeline
/// or position is unknown, no divergence is claimed.
/// A stopped data directory of the upstream's system that promote fenced, or whose history
/// diverged from the upstream's, is rewound (Rewind) when pg_rewind can do it: 11+ (the rewind
/// role) and pg_control shows wal_log_hints on or data checksums; else it is refused with what
/// is missing. With --force it is re-cloned instead. A running fenced host is refused.
ReplicaDecision decide_replica(const ReplicaGuardInput& input);

/// What pg_rewind lacks to rewind this stopped data directory ("" when nothing): 11+ and
/// wal_log_hints on (or data checksums) in pg_controldata.
std::string rewind_missing(const ReplicaGuardInput& input);

}  // namespace pgrepl
