#include "pgrepl/steps/replica_guard.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgrepl {
namespace {

ReplicaDecision refuse_or_force(const ReplicaGuardInput& input, std::string what) {
    if (input.force == Force::Yes) {
        return {ReplicaAction::Clone,
                fmt::format("replace {} with a clone of {} (--force)", what, input.upstream_name),
                {}};
    }
    return {ReplicaAction::Refuse, fmt::format("refusing to replace {}", what),
            "look at the host first; if its data may go, run pgrepl setup --force --limit HOST"};
}

// A standby of this cluster (running, or stopped: then its position comes from pg_control)
// that cannot follow the upstream's timeline.
std::optional<ReplicaDecision> diverged(const ReplicaGuardInput& input) {
    if (!input.standby_timeline || !input.upstream_timeline) return std::nullopt;
    auto verdict = standby_timeline_fit(*input.standby_timeline, *input.upstream_timeline,
                                        input.upstream_name);
    if (verdict.fit != TimelineFit::Diverged) return std::nullopt;
    if (input.force == Force::Yes) {
        return ReplicaDecision{
            ReplicaAction::Clone,
            fmt::format("re-clone the standby that diverged from {}'s history (--force)",
                        input.upstream_name),
            {}};
    }
    return ReplicaDecision{
        ReplicaAction::Refuse,
        fmt::format("refusing to re-point a standby that diverged from {}'s history: {}",
                    input.upstream_name, verdict.why),
        fmt::format("it cannot follow {0}: re-clone it with pgrepl setup --force --limit {1} (its "
                    "data directory is replaced by a base backup of {0})",
                    input.upstream_name, input.host_name.empty() ? "HOST" : input.host_name)};
}

// pgrepl's own interrupted clone of this upstream: the marker names the upstream's system, and
// the data directory has no pg_control yet (the copy was cut short) or is a copy of that
// system that never started (backup_label is still there: a server renames it when it starts).
bool interrupted_clone(const ReplicaGuardInput& input) {
    const auto& upstream_id = input.upstream_system_identifier;
    if (!input.clone_marker || !upstream_id) return false;
    if (input.clone_marker->system_identifier != *upstream_id) return false;
    const std::string& system_identifier = input.system_identifier();
    if (system_identifier.empty()) return true;
    return system_identifier == *upstream_id && input.facts.backup_label;
}

std::string reclone_reason(const ReplicaGuardInput& input) {
    const auto& started = input.clone_marker->started;
    return fmt::format("re-clone {} into the data directory of pgrepl's interrupted clone{}",
                       input.upstream_name, started.empty() ? "" : " (begun " + started + ")");
}

// While pg_basebackup processes write into the stopped data directory: only pgrepl's own
// interrupted clone (or --force) goes on, after they end (the apply waits for them).
ReplicaDecision decide_during_basebackup(const ReplicaGuardInput& input) {
    const auto pids = fmt::format("pid {}", fmt::join(input.facts.basebackup_pids, ", "));
    const bool ours = interrupted_clone(input);
    if (ours || input.force == Force::Yes) {
        const auto what = ours ? reclone_reason(input)
                               : fmt::format(
                                     "replace the data directory with a clone of {} "
                                     "(--force)",
                                     input.upstream_name);
        return {
            ReplicaAction::Clone,
            fmt::format("{} once the pg_basebackup still writing into it ({}) ends", what, pids),
            {}};
    }
    if (input.clone_marker && !input.upstream_system_identifier) {
        return {ReplicaAction::Wait,
                fmt::format("clone from {} once it accepts replication logins and the "
                            "pg_basebackup writing into the data directory ({}) ended",
                            input.upstream_name, pids),
                input.upstream_login_error};
    }
    return {ReplicaAction::Refuse,
            fmt::format("refusing to touch a data directory that pg_basebackup ({}) is writing "
                        "into",
                        pids),
            "let it end, or stop it if nobody needs it, then run pgrepl setup again"};
}

}  // namespace

const std::string& ReplicaGuardInput::system_identifier() const {
    if (server && !server->system_identifier.empty()) return server->system_identifier;
    return facts.system_identifier;
}

ReplicaDecision decide_replica(const ReplicaGuardInput& input) {
    const auto& facts = input.facts;
    const auto& upstream_id = input.upstream_system_identifier;
    const std::string& system_identifier = input.system_identifier();
    const bool same_system =
        upstream_id && !system_identifier.empty() && system_identifier == *upstream_id;
    const bool other_system =
        upstream_id && !system_identifier.empty() && system_identifier != *upstream_id;
    const LiveRole role = input.server ? input.server->role : LiveRole::Unknown;

    if (facts.cluster_running && role == LiveRole::Standby) {
        if (other_system) {
            return refuse_or_force(
                input, fmt::format("a standby of another system (identifier {}, {} has {})",
                                   system_identifier, input.upstream_name, *upstream_id));
        }
        if (same_system) {
            if (auto decision = diverged(input)) return *decision;
        }
        if (!input.standby_files_match) {
            return {ReplicaAction::Reconfigure,
                    fmt::format("point the standby at {} (settings differ)", input.upstream_name),
                    {}};
        }
        const std::string status = input.server->receiver ? input.server->receiver->status : "";
        if (status == "streaming" && input.clone_marker) {
            return {ReplicaAction::FinishClone,
                    fmt::format("the clone streams from {}: remove pgrepl's clone marker",
                                input.upstream_name),
                    {}};
        }
        return {ReplicaAction::None,
                status == "streaming"
                    ? fmt::format("streaming from {}", input.upstream_name)
                    : fmt::format("standby of {} (wal receiver: {}); see pgrepl verify",
                                  input.upstream_name, status.empty() ? "not running" : status),
                {}};
    }
    if (facts.cluster_running && role == LiveRole::Primary) {
        if (same_system) {
            return refuse_or_force(
                input, fmt::format("a running primary of this cluster (promoted or diverged; "
                                   "its writes would be lost)"));
        }
        if (input.fresh) {
            if (!upstream_id) {
                return {ReplicaAction::Wait,
                        fmt::format("clone from {} once it accepts replication logins",
                                    input.upstream_name),
                        input.upstream_login_error};
            }
            return {ReplicaAction::Clone,
                    fmt::format("replace the freshly initialised cluster with a clone of {}",
                                input.upstream_name),
                    {}};
        }
        return refuse_or_force(
            input, fmt::format("a running primary holding data ({})", input.data_summary));
    }
    // Not running.
    if (!facts.basebackup_pids.empty()) return decide_during_basebackup(input);
    if (!facts.data_dir_has_pg_version) {
        if (!upstream_id) {
            return {ReplicaAction::Wait,
                    fmt::format("clone from {} once it accepts replication logins",
                                input.upstream_name),
                    input.upstream_login_error};
        }
        return {ReplicaAction::Clone,
                fmt::format("clone {} into the empty data directory", input.upstream_name),
                {}};
    }
    if (facts.standby_signal && !other_system) {
        if (same_system) {
            if (auto decision = diverged(input)) return *decision;
        }
        return {ReplicaAction::Start,
                fmt::format("start the stopped standby of {}", input.upstream_name),
                {}};
    }
    if (interrupted_clone(input)) return {ReplicaAction::Clone, reclone_reason(input), {}};
    if (input.clone_marker && !upstream_id) {
        return {ReplicaAction::Wait,
                fmt::format("clone from {} once it accepts replication logins (the data "
                            "directory may be pgrepl's interrupted clone)",
                            input.upstream_name),
                input.upstream_login_error};
    }
    if (facts.standby_signal) {
        return refuse_or_force(
            input,
            fmt::format("a stopped standby of another system (identifier {})", system_identifier));
    }
    return refuse_or_force(
        input, fmt::format("a stopped primary (system identifier {}, state: {})",
                           system_identifier.empty() ? "unknown" : system_identifier,
                           facts.control_state.empty() ? "unknown" : facts.control_state));
}

}  // namespace pgrepl
