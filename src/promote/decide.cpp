#include "pgrepl/promote/decide.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "pgrepl/handover/topology.hpp"
#include "pgrepl/pg/psql_output.hpp"

namespace pgrepl {
namespace {

std::string lsn_text(const std::optional<std::uint64_t>& lsn) {
    return lsn ? format_lsn(*lsn) : std::string("none");
}

std::string names(const Inventory& inventory, const std::vector<std::size_t>& hosts) {
    std::vector<std::string> list;
    for (auto i : hosts) list.push_back(inventory.hosts[i].name);
    return fmt::format("{}", fmt::join(list, ", "));
}

bool contains(const std::vector<std::size_t>& list, std::size_t value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

PromoteDecision finish(PromoteDecision decision, PromoteVerdict verdict, std::string reason,
                       std::string hint = {}) {
    decision.verdict = verdict;
    decision.reason = std::move(reason);
    decision.hint = std::move(hint);
    return decision;
}

bool running_standby(const HandoverHostState& state) {
    return state.reachable && state.running && state.role() == LiveRole::Standby;
}

// The host at the end of the target's chain of configured upstreams, if not the target.
std::optional<std::size_t> chain_root(const Inventory& inventory,
                                      const std::vector<HandoverHostState>& states,
                                      std::size_t target) {
    std::optional<std::size_t> root;
    std::size_t at = target;
    for (std::size_t hops = 0; hops <= states.size(); ++hops) {
        if (!running_standby(states[at]) && at != target) return at;
        auto up = configured_upstream(inventory, states[at]);
        if (!up || *up == target) return root;
        root = up;
        at = *up;
    }
    return std::nullopt;  // a loop
}

}  // namespace

const char* to_string(PromoteVerdict verdict) {
    switch (verdict) {
        case PromoteVerdict::Promote:
            return "promote";
        case PromoteVerdict::Resume:
            return "resume";
        case PromoteVerdict::Refuse:
            return "refuse";
        case PromoteVerdict::Wait:
            return "wait";
        case PromoteVerdict::Usage:
            return "usage";
        case PromoteVerdict::Fail:
            return "fail";
    }
    return "?";
}

std::optional<ErrorKind> stop_kind(PromoteVerdict verdict) {
    switch (verdict) {
        case PromoteVerdict::Refuse:
            return ErrorKind::Refused;
        case PromoteVerdict::Usage:
            return ErrorKind::Usage;
        case PromoteVerdict::Fail:
            return ErrorKind::Connect;
        case PromoteVerdict::Promote:
        case PromoteVerdict::Resume:
        case PromoteVerdict::Wait:
            break;
    }
    return std::nullopt;
}

PromoteDecision decide_promote(const Inventory& inventory,
                               const std::vector<HandoverHostState>& states,
                               const std::string& target_name, Force force,
                               const PromoteWait& wait) {
    PromoteDecision decision;
    const auto& hosts = inventory.hosts;
    const std::optional<std::size_t> found = inventory.index_of(target_name);
    if (!found) {
        std::vector<std::string> replicas;
        for (const auto& host : hosts) {
            if (host.role == Role::Replica) replicas.push_back(host.name);
        }
        return finish(std::move(decision), PromoteVerdict::Usage,
                      fmt::format("no host named '{}' in {}", target_name, inventory.path),
                      fmt::format("the replicas are: {}", fmt::join(replicas, ", ")));
    }
    const std::size_t t = *found;
    decision.target = t;
    const HandoverHostState& target = states[t];
    const Host& target_host = hosts[t];
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (!states[i].reachable) decision.unreachable.push_back(i);
    }
    if (!target.reachable) {
        return finish(std::move(decision), PromoteVerdict::Fail,
                      fmt::format("cannot reach {}: {}", target_name, target.unreachable_reason),
                      "check SSH to it with pgrepl ping, or promote another replica");
    }
    if (!target.running) {
        std::string hint =
            target.fence_note
                ? "it was fenced by an earlier promote: rejoin it as a replica "
                  "(pgrepl setup --limit " +
                      target_name + " rewinds it with pg_rewind; --force re-clones it)"
                : fmt::format(
                      "start it as a standby first (pg_ctlcluster {} {} "
                      "start), or promote another replica",
                      target_host.postgres.version.to_string(), target_host.postgres.cluster_name);
        return finish(std::move(decision), PromoteVerdict::Refuse,
                      fmt::format("PostgreSQL is not running on {}: only a running standby can "
                                  "be promoted",
                                  target_name),
                      std::move(hint));
    }
    if (target.role() == LiveRole::Unknown) {
        return finish(std::move(decision), PromoteVerdict::Fail,
                      fmt::format("cannot query PostgreSQL on {}: {}", target_name,
                                  target.query_error.empty() ? "no answer" : target.query_error),
                      "look at its server log");
    }
    decision.system_identifier = target.system_identifier();
    auto same_system = [&](std::size_t i) {
        return !states[i].system_identifier().empty() &&
               states[i].system_identifier() == target.system_identifier();
    };

    // Live primaries, and running servers that did not say what they are (too many
    // connections, starting up...) unless they carry standby.signal: both may take writes.
    std::vector<std::size_t> live_primaries;
    std::vector<std::string> silent;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const auto& s = states[i];
        if (i == t || !s.reachable || !s.running) continue;
        if (s.role() == LiveRole::Primary && same_system(i)) live_primaries.push_back(i);
        if (s.role() == LiveRole::Unknown && !s.standby_signal &&
            (s.system_identifier().empty() || same_system(i))) {
            live_primaries.push_back(i);
            silent.push_back(fmt::format("{} runs PostgreSQL but does not say what it is ({})",
                                         hosts[i].name,
                                         s.query_error.empty() ? "no answer" : s.query_error));
        }
    }
    const std::string silent_text =
        silent.empty() ? std::string() : fmt::format(" ({})", fmt::join(silent, "; "));

    if (target.role() == LiveRole::Primary) {
        if (!live_primaries.empty()) {
            return finish(
                std::move(decision), PromoteVerdict::Refuse,
                fmt::format("{} already runs as a primary, and so does {}{}: two primaries of "
                            "the same cluster (split brain)",
                            target_name, names(inventory, live_primaries), silent_text),
                "decide which one keeps its writes, stop the other and rejoin it as a replica "
                "(pgrepl setup --limit HOST rewinds it with pg_rewind; --force re-clones it)");
        }
        if (target_host.role == Role::Primary) {
            return finish(std::move(decision), PromoteVerdict::Refuse,
                          fmt::format("{} is already the primary (it is not a standby): nothing "
                                      "to promote",
                                      target_name),
                          "name the replica to promote: pgrepl promote REPLICA");
        }
        decision.verdict = PromoteVerdict::Resume;
        decision.reason =
            fmt::format("{} already runs as the primary (promoted earlier): re-pointing the others",
                        target_name);
    } else {
        decision.verdict = PromoteVerdict::Promote;
        if (!live_primaries.empty() && force == Force::No) {
            return finish(
                std::move(decision), PromoteVerdict::Refuse,
                fmt::format("{} is running as the primary{}: promoting {} now would give two "
                            "primaries",
                            names(inventory, live_primaries), silent_text, target_name),
                fmt::format("is it really gone? pgrepl promote {} --force stops it (fast "
                            "shutdown) and fences it first; writes it has not sent to {} yet "
                            "are then lost",
                            target_name, target_name));
        }
        decision.stop_and_fence = live_primaries;
        for (auto i : live_primaries) {
            decision.notes.push_back(fmt::format(
                "--force: {} runs as the primary: it is stopped and fenced first", hosts[i].name));
        }
    }

    // The hosts that are primaries no more.
    std::set<std::size_t> old(live_primaries.begin(), live_primaries.end());
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (i == t) continue;
        const auto& s = states[i];
        if (hosts[i].role == Role::Primary && !running_standby(s)) old.insert(i);
        if (s.reachable && !s.running && s.has_data && !s.standby_signal && same_system(i))
            old.insert(i);
        if (s.reachable && s.fence_note && !running_standby(s)) old.insert(i);
    }
    if (auto root = chain_root(inventory, states, t);
        root && *root != t && !running_standby(states[*root])) {
        old.insert(*root);
    }
    decision.old_primaries.assign(old.begin(), old.end());
    std::vector<std::string> uninspected;
    for (auto i : decision.old_primaries) {
        const auto& s = states[i];
        if (!s.reachable && s.answered) {
            uninspected.push_back(fmt::format("{}: {}", hosts[i].name, s.unreachable_reason));
            decision.notes.push_back(
                fmt::format("{} is up but could not be inspected ({}): it cannot be fenced",
                            hosts[i].name, s.unreachable_reason));
        } else if (!s.reachable) {
            decision.assumed_dead.push_back(i);
            decision.notes.push_back(fmt::format(
                "{} is unreachable ({}): assumed dead. It cannot be fenced: keep it down, or it "
                "comes back as a second primary",
                hosts[i].name, s.unreachable_reason));
        } else if (!s.running && !s.fence_note && !contains(decision.stop_and_fence, i)) {
            decision.fence_stopped.push_back(i);
        }
    }

    // An old primary whose host answers but could not be inspected may still take writes.
    if (!uninspected.empty() && decision.verdict == PromoteVerdict::Promote && force == Force::No) {
        return finish(std::move(decision), PromoteVerdict::Refuse,
                      fmt::format("the old primary is up but could not be inspected ({}): it may "
                                  "still run as the primary",
                                  fmt::join(uninspected, "; ")),
                      "fix the SSH access (pgrepl ping says what is wrong) and run promote "
                      "again; --force promotes anyway, without fencing it");
    }

    // An unreachable old primary that standbys still stream from: dead (a power loss leaves
    // its receivers streaming until wal_receiver_timeout), alive but cut off from here, or not
    // known yet (liveness.hpp).
    const auto judged = judge_old_primaries(inventory, states, wait.first, decision.assumed_dead);
    for (const auto& dead : judged.dead) decision.notes.push_back(dead);
    const bool may_promote = decision.verdict == PromoteVerdict::Promote && force == Force::No;
    if (judged.alive && may_promote) {
        return finish(std::move(decision), PromoteVerdict::Refuse,
                      fmt::format("{}: promoting {} now would give two primaries", *judged.alive,
                                  target_name),
                      "it is cut off from this node, not down: restore the network to it and "
                      "promote again (--force then stops and fences it first); --force now "
                      "promotes without fencing it");
    }
    if (judged.unsure && may_promote && (!judged.need || *judged.need > wait.left)) {
        const auto need_s = judged.need ? (judged.need->count() + 999) / 1000 : 0;
        return finish(
            std::move(decision), PromoteVerdict::Refuse,
            fmt::format("the old primary is unreachable but its standbys still stream from it "
                        "({}): promoting {} now could give two primaries",
                        *judged.unsure, target_name),
            judged.need
                ? fmt::format("if it is down, its standbys' silence proves it within {} s: "
                              "promote again with --wait {}, or make sure it is down and pass "
                              "--force (it is not fenced)",
                              need_s, need_s + 1)
                : "a WAL receiver whose wal_receiver_timeout is 0 (or whose timing is unknown) "
                  "never proves its sender down: make sure it is down, then pass --force (it is "
                  "not fenced)");
    }
    if (force == Force::Yes) {
        if (judged.alive) decision.notes.push_back("--force: " + *judged.alive);
        if (judged.unsure) decision.notes.push_back("--force: still streaming: " + *judged.unsure);
    }

    // Who holds the most WAL.
    const auto target_position = target.wal_position();
    // The furthest position seen so far (0 with no position at all).
    std::uint64_t best = target_position.value_or(0);
    bool have_best = target.role() == LiveRole::Standby && target_position.has_value();
    if (target.role() == LiveRole::Standby) decision.most_advanced = t;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (i == t || !running_standby(states[i]) || !same_system(i)) continue;
        const auto position = states[i].wal_position();
        if (decision.verdict == PromoteVerdict::Promote && position &&
            (!target_position || *position > *target_position)) {
            decision.ahead.push_back(
                {i, *position - (target_position ? std::min(*target_position, *position) : 0)});
        }
        if (position && (!have_best || *position > best)) {
            best = *position;
            have_best = true;
            decision.most_advanced = i;
        }
    }
    if (!decision.ahead.empty() && force == Force::No) {
        const auto& first = decision.ahead.front();
        std::vector<std::string> detail;
        for (const auto& a : decision.ahead) {
            detail.push_back(fmt::format("{} has {} byte(s) more ({})", hosts[a.host].name, a.bytes,
                                         lsn_text(states[a.host].wal_position())));
        }
        const std::string best_name =
            decision.most_advanced ? hosts[*decision.most_advanced].name : hosts[first.host].name;
        return finish(std::move(decision), PromoteVerdict::Refuse,
                      fmt::format("{} is not the most advanced standby (it has received up to "
                                  "{}): {}; promoting {} would lose that WAL, and those standbys "
                                  "would need re-cloning",
                                  target_name, lsn_text(target_position), fmt::join(detail, ", "),
                                  target_name),
                      fmt::format("promote {} instead, or pass --force to promote {} anyway",
                                  best_name, target_name));
    }
    for (const auto& a : decision.ahead) {
        decision.notes.push_back(fmt::format(
            "--force: {} holds {} byte(s) of WAL that {} never received: it cannot follow and "
            "must be rewound or re-cloned (update the inventory's roles, stop it, then pgrepl "
            "setup --limit {},{}: pg_rewind, or --force to re-clone)",
            hosts[a.host].name, a.bytes, target_name, target_name, hosts[a.host].name));
    }

    // Who follows the new primary; who is left alone.
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (i == t || old.count(i) != 0) continue;
        const auto& s = states[i];
        const bool is_ahead = std::any_of(decision.ahead.begin(), decision.ahead.end(),
                                          [i](const AheadStandby& a) { return a.host == i; });
        if (is_ahead) continue;
        if (!s.reachable) {
            decision.notes.push_back(fmt::format(
                "{} is unreachable ({}): not re-pointed; once it is back, run pgrepl setup "
                "--limit {} with the updated inventory",
                hosts[i].name, s.unreachable_reason, hosts[i].name));
        } else if (!s.running) {
            decision.notes.push_back(fmt::format(
                "{}: PostgreSQL is not running: not re-pointed (pgrepl setup --limit {} with the "
                "updated inventory starts it as a standby of {})",
                hosts[i].name, hosts[i].name, target_name));
        } else if (!same_system(i)) {
            decision.notes.push_back(
                fmt::format("{} runs another system (identifier {}): left alone", hosts[i].name,
                            s.system_identifier().empty() ? "unknown" : s.system_identifier()));
        } else if (s.role() != LiveRole::Standby) {
            decision.notes.push_back(
                fmt::format("{}: cannot tell what it is ({}): left alone", hosts[i].name,
                            s.query_error.empty() ? "no answer" : s.query_error));
        } else {
            decision.followers.push_back(i);
        }
    }
    if (judged.unsure && decision.verdict == PromoteVerdict::Promote && force == Force::No) {
        decision.verdict = PromoteVerdict::Wait;
        decision.reason = *judged.unsure;
        decision.wait_for = judged.need.value_or(std::chrono::milliseconds(0));
        decision.waiting_on = judged.unsure_hosts;
        return decision;
    }
    if (decision.verdict == PromoteVerdict::Promote) {
        decision.reason = fmt::format(
            "promote {} ({}WAL received up to {}, timeline {})", target_name,
            decision.most_advanced == t ? "the most advanced standby: " : "",
            lsn_text(target_position),
            target.timeline() ? std::to_string(*target.timeline()) : std::string("unknown"));
    }
    return decision;
}

}  // namespace pgrepl
