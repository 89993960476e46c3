#include "pgrepl/steps/replica_guard.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pgrepl/pg/psql_output.hpp"

namespace pgrepl {
namespace {

std::string host_or_placeholder(const ReplicaGuardInput& input) {
    return input.host_name.empty() ? "HOST" : input.host_name;
}

// "stop it and run pgrepl setup again (pg_rewind rejoins it), or " when pg_rewind could rejoin
// the running host once it is stopped, else "".
std::string stop_to_rewind(const ReplicaGuardInput& input) {
    if (!rewind_missing(input).empty() || !input.rewind_login_error.empty()) return {};
    return "stop it and run pgrepl setup again (pg_rewind rejoins it), or ";
}

bool clean_shutdown(const HostFacts& facts) {
    return facts.control_state == "shut down" || facts.control_state == "shut down in recovery";
}

// " (forked from timeline 1 at 0/5000000; 256 byte(s) of WAL after it are discarded)" when the
// fork point and the last position are known; a crashed one is recovered first.
std::string fork_detail(const ReplicaGuardInput& input) {
    if (!clean_shutdown(input.facts)) {
        return fmt::format(
            " (state: {}: brought to a clean shutdown first)",
            input.facts.control_state.empty() ? "unknown" : input.facts.control_state);
    }
    if (!input.standby_timeline || !input.upstream_timeline) return {};
    for (const auto& entry : input.upstream_timeline->history) {
        if (entry.timeline != input.standby_timeline->timeline) continue;
        const auto last = input.standby_timeline->replay_lsn;
        const auto discarded = last > entry.switch_point ? last - entry.switch_point : 0;
        return fmt::format(
            " (forked from timeline {} at {}; {} byte(s) of WAL after it, up to {}, "
            "are discarded)",
            entry.timeline, format_lsn(entry.switch_point), discarded, format_lsn(last));
    }
    return {};
}

// Rewind `what` (a stopped data directory of the upstream's system) with pg_rewind, or say
// what pg_rewind lacks; --force re-clones instead.
ReplicaDecision rewind_or_refuse(const ReplicaGuardInput& input, const std::string& what,
                                 const std::string& refusal, std::string forced) {
    if (input.force == Force::Yes) return {ReplicaAction::Clone, std::move(forced), {}};
    const auto missing = rewind_missing(input);
    if (!missing.empty()) {
        return {ReplicaAction::Refuse, refusal,
                fmt::format("pg_rewind cannot rejoin it: {}; re-clone it with pgrepl setup --force "
                            "--limit {} (its data directory is replaced by a base backup of {})",
                            missing, host_or_placeholder(input), input.upstream_name)};
    }
    if (!input.rewind_login_error.empty()) {
        return {
            ReplicaAction::Refuse, refusal,
            fmt::format("pg_rewind cannot log in to {0}: {1}; run pgrepl setup on {0} first (it "
                        "creates the rewind role), check its pg_hba.conf and this host's "
                        "passfile, or re-clone it with pgrepl setup --force --limit {2}",
                        input.upstream_name, input.rewind_login_error, host_or_placeholder(input))};
    }
    const auto timeline = input.upstream_timeline ? input.upstream_timeline->timeline : 0;
    return {
        ReplicaAction::Rewind,
        fmt::format("rewind {} with pg_rewind onto {}'s timeline{}{}", what, input.upstream_name,
                    timeline ? fmt::format(" {}", timeline) : "", fork_detail(input)),
        {}};
}

// A host fenced by promote: rewound when it is stopped and holds the upstream's system.
ReplicaDecision decide_fenced(const ReplicaGuardInput& input) {
    const auto forced =
        fmt::format("re-clone the fenced old primary from {} (--force)", input.upstream_name);
    const std::string refusal = "refusing to touch a host fenced by pgrepl promote";
    const auto& facts = input.facts;
    const auto& upstream_id = input.upstream_system_identifier;
    const auto& system_identifier = input.system_identifier();
    std::string why;
    if (facts.cluster_running) {
        why = "it runs again";
    } else if (!facts.data_dir_has_pg_version) {
        why = "its data directory is empty";
    } else if (!facts.basebackup_pids.empty()) {
        why = "a pg_basebackup writes into its data directory";
    } else if (!upstream_id) {
        if (input.force == Force::Yes) return {ReplicaAction::Clone, forced, {}};
        return {ReplicaAction::Wait,
                fmt::format("rewind the fenced old primary onto {} once it accepts replication "
                            "logins",
                            input.upstream_name),
                input.upstream_login_error};
    } else if (system_identifier != *upstream_id) {
        why = fmt::format("it holds another system (identifier {}, {} has {})",
                          system_identifier.empty() ? "unknown" : system_identifier,
                          input.upstream_name, *upstream_id);
    } else {
        return rewind_or_refuse(input, "the fenced old primary", refusal, forced);
    }
    if (input.force == Force::Yes) return {ReplicaAction::Clone, forced, {}};
    const bool ours = facts.cluster_running && upstream_id && system_identifier == *upstream_id;
    return {ReplicaAction::Refuse, fmt::format("{}: {}", refusal, why),
            fmt::format("{}run pgrepl setup --force --limit {} to re-clone it",
                        ours ? stop_to_rewind(input) : "", host_or_placeholder(input))};
}

ReplicaDecision refuse_or_force(const ReplicaGuardInput& input, std::string what) {
    if (input.force == Force::Yes) {
        return {ReplicaAction::Clone,
                fmt::format("replace {} with a clone of {} (--force)", what, input.upstream_name),
                {}};
    }
    return {ReplicaAction::Refuse, fmt::format("refusing to replace {}", what),
            "look at the host first; if its data may go, run pgrepl setup --force --limit HOST"};
}

// A running standby of this cluster that cannot follow the upstream's timeline.
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
        fmt::format("it cannot follow {0}: {2}re-clone it with pgrepl setup --force --limit {1} "
                    "(its data directory is replaced by a base backup of {0})",
                    input.upstream_name, host_or_placeholder(input), stop_to_rewind(input))};
}

// A stopped data directory of the upstream's system whose history diverged from the
// upstream's: rewound, or refused with what pg_rewind lacks (re-cloned with --force).
std::optional<ReplicaDecision> stopped_diverged(const ReplicaGuardInput& input,
                                                const std::string& noun) {
    if (!input.standby_timeline || !input.upstream_timeline) return std::nullopt;
    auto verdict = standby_timeline_fit(*input.standby_timeline, *input.upstream_timeline,
                                        input.upstream_name);
    if (verdict.fit != TimelineFit::Diverged) return std::nullopt;
    return rewind_or_refuse(
        input, "the stopped " + noun,
        fmt::format("refusing to re-point a {} that diverged from {}'s history: {}", noun,
                    input.upstream_name, verdict.why),
        fmt::format("re-clone the {} that diverged from {}'s history (--force)", noun,
                    input.upstream_name));
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

// A running standby that cannot stream because its upstream removed the WAL it needs (its slot
// was lost past max_slot_wal_keep_size, or it has none): re-cloned with --force; refused
// without, when no archive can fill the gap; left alone (catching up from the archive) else.
std::optional<ReplicaDecision> removed_wal(const ReplicaGuardInput& input) {
    if (input.force == Force::Yes) {
        return ReplicaDecision{
            ReplicaAction::Clone,
            fmt::format("re-clone the standby: {} removed WAL it needs (--force)",
                        input.upstream_name),
            {}};
    }
    if (input.archive) return std::nullopt;
    return ReplicaDecision{
        ReplicaAction::Refuse,
        fmt::format("the standby cannot stream: {} removed WAL it needs, and no archive holds it",
                    input.upstream_name),
        fmt::format("re-clone it: pgrepl setup --force --limit {}", input.host_name)};
}

/// The running server's primary_conninfo names another host or port than the files say (a
/// run killed between writing them and the reload); false when either is unknown.
bool upstream_not_loaded(const ReplicaGuardInput& input) {
    const Endpoint& loaded = input.server->configured_upstream;
    const Endpoint& desired = input.desired_upstream;
    if (loaded.host.empty() || desired.host.empty()) return false;
    constexpr int kDefaultPort = 5432;
    return loaded.host != desired.host ||
           loaded.port.value_or(kDefaultPort) != desired.port.value_or(kDefaultPort);
}

// Clone with `reason` once the upstream answered a replication login; until then, wait.
ReplicaDecision clone_once_upstream_answers(const ReplicaGuardInput& input, std::string reason) {
    if (!input.upstream_system_identifier) {
        return {
            ReplicaAction::Wait,
            fmt::format("clone from {} once it accepts replication logins", input.upstream_name),
            input.upstream_login_error};
    }
    return {ReplicaAction::Clone, std::move(reason), {}};
}

}  // namespace

const std::string& ReplicaGuardInput::system_identifier() const {
    if (server && !server->system_identifier.empty()) return server->system_identifier;
    return facts.system_identifier;
}

std::string rewind_missing(const ReplicaGuardInput& input) {
    if (!input.rewind_supported) {
        return "before PostgreSQL 11 pg_rewind needs a superuser login, and pgrepl creates no "
               "rewind role there";
    }
    const auto& facts = input.facts;
    const auto& checksums = facts.control_checksum_version;
    if (facts.control_wal_log_hints == "on" || (!checksums.empty() && checksums != "0")) return {};
    return fmt::format(
        "its pg_control shows wal_log_hints {} and no data checksums (setup turns wal_log_hints "
        "on, but it counts only once the server ran with it)",
        facts.control_wal_log_hints.empty() ? "unknown" : facts.control_wal_log_hints);
}

ReplicaDecision decide_replica(const ReplicaGuardInput& input) {
    if (input.fenced) return decide_fenced(input);
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
        if (upstream_not_loaded(input)) {
            return {ReplicaAction::Reconfigure,
                    fmt::format("point the standby at {} (its settings on disk are not loaded)",
                                input.upstream_name),
                    {}};
        }
        const std::string status = input.server->receiver ? input.server->receiver->status : "";
        if (status != "streaming" && input.upstream_removed_wal) {
            if (auto decision = removed_wal(input)) return *decision;
        }
        // A clone whose standby was started (by a run killed then, or by the remote command
        // that outlived it) is finished here: waited for while it is not streaming yet.
        if (input.clone_marker) {
            return {ReplicaAction::FinishClone,
                    status == "streaming"
                        ? fmt::format("the clone streams from {}: remove pgrepl's clone marker",
                                      input.upstream_name)
                        : fmt::format("the clone runs as a standby of {} (wal receiver: {}): "
                                      "wait until it streams, then remove pgrepl's clone marker",
                                      input.upstream_name, status.empty() ? "not running" : status),
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
            return clone_once_upstream_answers(
                input, fmt::format("replace the freshly initialised cluster with a clone of {}",
                                   input.upstream_name));
        }
        return refuse_or_force(
            input, fmt::format("a running primary holding data ({})", input.data_summary));
    }
    // Not running.
    if (!facts.basebackup_pids.empty()) return decide_during_basebackup(input);
    if (!facts.data_dir_has_pg_version) {
        return clone_once_upstream_answers(
            input, fmt::format("clone {} into the empty data directory", input.upstream_name));
    }
    if (input.fresh_created) {
        return clone_once_upstream_answers(
            input, fmt::format("replace the new, never-started cluster with a clone of {}",
                               input.upstream_name));
    }
    if (facts.standby_signal && !other_system) {
        if (same_system) {
            if (auto decision = stopped_diverged(input, "standby")) return *decision;
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
    if (same_system) {
        if (auto decision = stopped_diverged(input, "old primary")) return *decision;
    }
    return refuse_or_force(
        input, fmt::format("a stopped primary (system identifier {}, state: {})",
                           system_identifier.empty() ? "unknown" : system_identifier,
                           facts.control_state.empty() ? "unknown" : facts.control_state));
}

}  // namespace pgrepl
