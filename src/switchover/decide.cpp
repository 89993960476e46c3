#include "pgrepl/switchover/decide.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "pgrepl/engine/live_topology.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/pg/psql_output.hpp"

namespace pgrepl {
namespace {

constexpr const char* kVerifyHint = "pgrepl verify shows the cluster's state";

SwitchoverDecision stop(SwitchoverDecision decision, SwitchoverVerdict verdict, std::string reason,
                        std::string hint) {
    decision.verdict = verdict;
    decision.reason = std::move(reason);
    decision.hint = std::move(hint);
    return decision;
}

std::string names(const Inventory& inventory, const std::vector<std::size_t>& hosts) {
    std::string out;
    for (auto i : hosts) {
        if (!out.empty()) out += ", ";
        out += inventory.hosts[i].name;
    }
    return out;
}

std::string mib(std::uint64_t bytes) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

// Why another host cannot take part (it must follow the new primary or keep its upstream), or
// "" when it can.
std::string not_ready(const HandoverHostState& state, const std::string& system) {
    if (!state.reachable)
        return fmt::format("{} is unreachable ({})", state.name, state.unreachable_reason);
    if (!state.running) return fmt::format("{}'s PostgreSQL is not running", state.name);
    if (!state.server)
        return fmt::format("{} did not answer the state query ({})", state.name, state.query_error);
    if (!system.empty() && state.system_identifier() != system)
        return fmt::format("{} belongs to another system ({})", state.name,
                           state.system_identifier());
    if (state.role() != LiveRole::Standby)
        return fmt::format("{} is not a standby ({})", state.name, to_string(state.role()));
    return "";
}

}  // namespace

const char* to_string(SwitchoverVerdict verdict) {
    switch (verdict) {
        case SwitchoverVerdict::Switch:
            return "switch";
        case SwitchoverVerdict::Done:
            return "done";
        case SwitchoverVerdict::Refuse:
            return "refuse";
        case SwitchoverVerdict::Usage:
            return "usage";
        case SwitchoverVerdict::Fail:
            return "fail";
    }
    return "refuse";
}

std::optional<ErrorKind> stop_kind(SwitchoverVerdict verdict) {
    switch (verdict) {
        case SwitchoverVerdict::Refuse:
            return ErrorKind::Refused;
        case SwitchoverVerdict::Usage:
            return ErrorKind::Usage;
        case SwitchoverVerdict::Fail:
            return ErrorKind::Connect;
        case SwitchoverVerdict::Switch:
        case SwitchoverVerdict::Done:
            return std::nullopt;
    }
    return ErrorKind::Refused;
}

SwitchoverDecision decide_switchover(const Inventory& inventory,
                                     const std::vector<HandoverHostState>& states,
                                     const std::vector<SwitchoverFacts>& facts,
                                     const std::string& target,
                                     const SwitchoverThresholds& thresholds) {
    using V = SwitchoverVerdict;
    SwitchoverDecision d;
    const std::optional<std::size_t> index = inventory.index_of(target);
    if (!index)
        return stop(d, V::Usage, fmt::format("{} is not a host of the inventory", target),
                    "pgrepl inventory lists the hosts");
    const std::size_t t = *index;
    d.target = t;
    const HandoverHostState& ts = states[t];
    if (!ts.reachable)
        return stop(d, V::Fail, fmt::format("{} is unreachable: {}", target, ts.unreachable_reason),
                    "pgrepl ping " + target + " shows why");
    if (ts.running && !ts.server)
        return stop(d, V::Fail,
                    fmt::format("{} did not answer the state query: {}", target, ts.query_error),
                    kVerifyHint);

    // The current primary: the one live primary of the cluster.
    const LiveTopology topology = live_topology_of(inventory, states);
    if (topology.primaries.size() > 1)
        return stop(
            d, V::Refuse,
            fmt::format("more than one host runs as the primary: {}",
                        names(inventory, topology.primaries)),
            "fence all but one first (pgrepl promote --force); " + std::string(kVerifyHint));
    if (!topology.primary) {
        const auto& inv_primary = states[topology.inventory_primary];
        const std::string why = inv_primary.reachable
                                    ? (inv_primary.running ? "does not run as the primary"
                                                           : "its PostgreSQL is not running")
                                    : "it is unreachable: " + inv_primary.unreachable_reason;
        return stop(
            d, V::Refuse, fmt::format("no running primary: {} {}", inv_primary.name, why),
            "a switchover needs the running primary; after its loss use pgrepl promote " + target);
    }
    const std::size_t p = *topology.primary;
    d.primary = p;
    const HandoverHostState& ps = states[p];
    const std::string& system = topology.system_identifier;
    const std::string& primary_name = inventory.hosts[p].name;

    // The target.
    if (t == p)
        return stop(d, V::Refuse, fmt::format("{} already is the primary", target),
                    "name the standby that should become the primary");
    if (auto why = not_ready(ts, system); !why.empty())
        return stop(d, V::Refuse, "the target " + why,
                    "a switchover hands the primary role to a streaming standby");
    const TopologyNode& tn = topology.nodes[t];
    const LiveReceiver* receiver = ts.receiver();
    if (receiver == nullptr || receiver->status != "streaming" || !tn.live_upstream) {
        const std::string what =
            receiver == nullptr ? "no WAL receiver"
            : receiver->status != "streaming"
                ? "WAL receiver " + receiver->status
                : "it streams from " + (tn.unknown_sender.empty() ? std::string("an unknown host")
                                                                  : tn.unknown_sender);
        return stop(d, V::Refuse,
                    fmt::format("{} does not stream from {} ({})", target, primary_name, what),
                    "start it and check that it streams: " + std::string(kVerifyHint));
    }
    if (*tn.live_upstream != p) {
        const std::string& up = inventory.hosts[*tn.live_upstream].name;
        return stop(d, V::Refuse,
                    fmt::format("{} is a cascading standby: it streams from {}, not from the "
                                "primary {}",
                                target, up, primary_name),
                    fmt::format("switch over to {} first, or point {} at {} (upstream: in the "
                                "inventory, then pgrepl setup)",
                                up, target, primary_name));
    }
    if (ts.server->replay_paused.value_or(false))
        return stop(d, V::Refuse, fmt::format("replay is paused on {}", target),
                    fmt::format("resume it on {}: SELECT pg_wal_replay_resume()", target));
    const auto primary_at = ps.server->current_lsn;
    const auto replayed = ts.server->replay_lsn;
    if (!primary_at || !replayed)
        return stop(d, V::Refuse,
                    fmt::format("{}'s lag is unknown (no {} position)", target,
                                !primary_at ? "primary" : "replay"),
                    kVerifyHint);
    d.lag_bytes = *primary_at > *replayed ? *primary_at - *replayed : 0;
    if (d.lag_bytes > thresholds.max_lag_bytes)
        return stop(d, V::Refuse,
                    fmt::format("{} replays {} behind {} (more than {})", target, mib(d.lag_bytes),
                                primary_name, mib(thresholds.max_lag_bytes)),
                    "wait until it catches up: " + std::string(kVerifyHint));
    const SwitchoverFacts& tf = facts[t];
    if (tf.replay_lag_seconds && *tf.replay_lag_seconds > thresholds.max_lag_seconds)
        return stop(d, V::Refuse,
                    fmt::format("{}'s replay lag is {:.1f} s (more than {} s)", target,
                                *tf.replay_lag_seconds, thresholds.max_lag_seconds),
                    "wait until it catches up: " + std::string(kVerifyHint));
    if (!tf.pending_restart.empty())
        return stop(
            d, V::Refuse,
            fmt::format("{} has a restart pending ({})", target,
                        fmt::join(tf.pending_restart, ", ")),
            fmt::format("restart {} first (pgrepl setup restarts it), then switch over", target));
    if (const auto& rules = facts[p].replication_hba; rules && tf.replication_hba) {
        std::vector<std::string> missing;
        for (const auto& rule : *rules) {
            if (std::find(tf.replication_hba->begin(), tf.replication_hba->end(), rule) ==
                tf.replication_hba->end())
                missing.push_back(rule);
        }
        if (!missing.empty())
            return stop(d, V::Refuse,
                        fmt::format("pg_hba.conf on {} lacks {} replication rule(s) that {} has "
                                    "({}): the standbys could not stream from it",
                                    target, missing.size(), primary_name, fmt::join(missing, "; ")),
                        fmt::format("run pgrepl setup (it writes the same replication rules on "
                                    "every node), or add them to {}'s pg_hba.conf and reload, "
                                    "then switch over",
                                    target));
    }

    // Every other host, and who streams from the target afterwards.
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (i == p || i == t) continue;
        if (auto why = not_ready(states[i], system); !why.empty())
            return stop(d, V::Refuse, why + ": it could not follow the new primary",
                        "bring it back (or take it out of the inventory), then switch over");
        const auto up = topology.nodes[i].upstream;
        if (up && *up == p)
            d.siblings.push_back(i);
        else
            d.keep_upstream.push_back(i);
    }
    const auto below_target = topology.downstreams(t);
    d.senders_needed = 1 + static_cast<int>(d.siblings.size() + below_target.size());
    if (!tf.max_wal_senders)
        return stop(d, V::Refuse, fmt::format("max_wal_senders of {} is unknown", target),
                    kVerifyHint);
    if (*tf.max_wal_senders < d.senders_needed)
        return stop(d, V::Refuse,
                    fmt::format("{} has max_wal_senders = {}, {} host(s) would stream from it",
                                target, *tf.max_wal_senders, d.senders_needed),
                    "raise it in the inventory (postgres.settings) and run pgrepl setup");
    if (inventory.replication.slots) {
        const int new_slots = 1 + static_cast<int>(d.siblings.size());
        if (!tf.max_replication_slots)
            return stop(d, V::Refuse, fmt::format("max_replication_slots of {} is unknown", target),
                        kVerifyHint);
        const int free = *tf.max_replication_slots - tf.replication_slots.value_or(0);
        if (free < new_slots)
            return stop(
                d, V::Refuse,
                fmt::format("{} has room for {} more replication slot(s) "
                            "(max_replication_slots = {}), {} needed",
                            target, std::max(free, 0), *tf.max_replication_slots, new_slots),
                "raise it in the inventory (postgres.settings) and run pgrepl setup");
    }

    // The archive.
    const SwitchoverFacts& pf = facts[p];
    if (pf.archiving && pf.archive_failing)
        return stop(d, V::Refuse,
                    fmt::format("archiving fails on {} ({} failure(s), last {})", primary_name,
                                pf.archive_failed_count,
                                pf.archive_last_failed_wal.empty() ? "unknown"
                                                                   : pf.archive_last_failed_wal),
                    "fix the archive first: " + std::string(kVerifyHint));

    d.verdict = V::Switch;
    d.reason = fmt::format("switch over from {} to {} ({} behind): {} stops, {} is promoted, {}",
                           primary_name, target, mib(d.lag_bytes), primary_name, target,
                           d.siblings.empty()
                               ? primary_name + " follows it"
                               : primary_name + ", " + names(inventory, d.siblings) + " follow it");
    return d;
}

CatchUpDecision decide_catch_up(const CatchUpInput& input) {
    CatchUpDecision d;
    const std::string restarted =
        fmt::format("{} is started again as the primary; nothing was lost", input.primary);
    if (!input.clean_shutdown || !input.checkpoint) {
        d.reason = fmt::format("{} did not shut down cleanly (no shutdown checkpoint): {}",
                               input.primary, restarted);
        d.hint = "look at its server log, then switch over again";
        return d;
    }
    const std::uint64_t cp = *input.checkpoint;
    const bool received = input.received && *input.received > cp;
    const bool replayed = input.replayed && *input.replayed > cp;
    if (received && replayed) {
        d.verdict = CatchUpVerdict::Promote;
        d.kind = std::nullopt;
        d.reason = fmt::format("{} received and replayed {}'s shutdown checkpoint {}", input.target,
                               input.primary, format_lsn(cp));
        return d;
    }
    const auto at = [](const std::optional<std::uint64_t>& lsn) {
        return lsn ? format_lsn(*lsn) : std::string("unknown");
    };
    d.reason = fmt::format(
        "{} did not reach {}'s shutdown checkpoint {} within {} s (received {}, replayed {}): {}",
        input.target, input.primary, format_lsn(cp), input.timeout_s, at(input.received),
        at(input.replayed), restarted);
    d.hint =
        fmt::format("check that {} streams (pgrepl verify), then switch over again", input.target);
    return d;
}

}  // namespace pgrepl
