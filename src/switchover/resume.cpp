#include <fmt/format.h>

#include "pgrepl/handover/demote.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/switchover/decide.hpp"

namespace pgrepl {

namespace {

/// Sorts the running standby i: it follows the old primary (a sibling that will be repointed
/// to the target) or keeps the upstream it has (a cascade below another standby).
void add_follower(const Inventory& inventory, const HandoverHostState& s, std::size_t old_primary,
                  std::size_t i, SwitchoverDecision& d) {
    const auto up = configured_upstream(inventory, s);
    if (up && *up == old_primary) {
        d.siblings.push_back(i);
    } else {
        d.keep_upstream.push_back(i);
    }
}

// The inventory index of `target`, when it is a host and `states` are aligned with the hosts.
std::optional<std::size_t> target_index(const Inventory& inventory,
                                        const std::vector<HandoverHostState>& states,
                                        const std::string& target) {
    if (states.size() != inventory.hosts.size()) return std::nullopt;
    return inventory.index_of(target);
}

}  // namespace

std::optional<SwitchoverDecision> decide_resume(const Inventory& inventory,
                                                const std::vector<HandoverHostState>& states,
                                                const std::string& target) {
    const auto found = target_index(inventory, states, target);
    if (!found) return std::nullopt;
    const std::size_t t = *found;
    const std::string marker = switchover_marker_line(target);
    std::optional<std::size_t> stopped;
    for (std::size_t i = 0; i < states.size(); ++i) {
        const HandoverHostState& s = states[i];
        if (s.running && s.role() == LiveRole::Primary) return std::nullopt;
        if (!s.reachable || s.running || !s.switchover_note) continue;
        if (*s.switchover_note != marker || stopped) return std::nullopt;
        stopped = i;
    }
    if (!stopped || *stopped == t) return std::nullopt;
    const std::string& system = states[*stopped].system_identifier();
    SwitchoverDecision d;
    d.primary = *stopped;
    d.target = t;
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (i == *stopped) continue;
        const HandoverHostState& s = states[i];
        if (!s.reachable || !s.running || !s.server || s.role() != LiveRole::Standby ||
            s.system_identifier() != system)
            return std::nullopt;
        if (i == t) {
            if (s.server->replay_paused.value_or(false)) return std::nullopt;
            continue;
        }
        add_follower(inventory, s, *stopped, i, d);
    }
    d.verdict = SwitchoverVerdict::Switch;
    d.start = SwitchoverStart::Stopped;
    d.senders_needed = static_cast<int>(d.siblings.size()) + 1;
    d.reason = fmt::format(
        "resume the switchover from {} to {}: {} was stopped for it by a run that did not end "
        "({})",
        inventory.hosts[*stopped].name, target, inventory.hosts[*stopped].name, marker);
    return d;
}

std::optional<SwitchoverDecision> decide_finish(const Inventory& inventory,
                                                const std::vector<HandoverHostState>& states,
                                                const std::string& target) {
    const auto found = target_index(inventory, states, target);
    if (!found) return std::nullopt;
    const std::size_t t = *found;
    const HandoverHostState& ts = states[t];
    if (!ts.reachable || !ts.running || !ts.server || ts.role() != LiveRole::Primary)
        return std::nullopt;
    const std::string& system = ts.system_identifier();
    const std::string marker = switchover_marker_line(target);
    std::optional<std::size_t> old;
    for (std::size_t i = 0; i < states.size(); ++i) {
        const HandoverHostState& s = states[i];
        if (i == t || !s.reachable || !s.switchover_note) continue;
        if (*s.switchover_note != marker || old) return std::nullopt;
        old = i;
    }
    if (!old) return std::nullopt;
    SwitchoverDecision d;
    d.primary = *old;
    d.target = t;
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (i == t) continue;
        const HandoverHostState& s = states[i];
        if (!s.reachable || s.system_identifier() != system) return std::nullopt;
        if (s.running && (!s.server || s.role() != LiveRole::Standby)) return std::nullopt;
        if (i == *old) continue;
        if (!s.running) return std::nullopt;
        add_follower(inventory, s, *old, i, d);
    }
    d.verdict = SwitchoverVerdict::Switch;
    d.start = SwitchoverStart::Promoted;
    d.senders_needed = static_cast<int>(d.siblings.size()) + 1;
    const std::string& old_name = inventory.hosts[*old].name;
    d.reason = fmt::format(
        "finish the switchover from {} to {}: {} runs as the primary, promoted by a run that did "
        "not end; {} still carries its marker ({})",
        old_name, target, target, old_name, marker);
    return d;
}

std::optional<SwitchoverDecision> decide_done(const Inventory& inventory,
                                              const std::vector<HandoverHostState>& states,
                                              const std::string& target) {
    const auto found = target_index(inventory, states, target);
    if (!found) return std::nullopt;
    const std::size_t t = *found;
    const LiveTopology topology = live_topology_of(inventory, states);
    if (topology.primaries.size() != 1 || topology.primaries.front() != t ||
        states[t].switchover_note)
        return std::nullopt;
    SwitchoverDecision d;
    d.primary = t;
    d.target = t;
    std::string streaming;
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (i == t) continue;
        const HandoverHostState& s = states[i];
        const LiveReceiver* receiver = s.receiver();  // a server only on a reachable, running host
        if (receiver == nullptr || s.role() != LiveRole::Standby || s.switchover_note ||
            s.system_identifier() != topology.system_identifier ||
            receiver->status != "streaming" || !topology.nodes[i].live_upstream)
            return std::nullopt;
        const std::size_t up = *topology.nodes[i].live_upstream;
        (up == t ? d.siblings : d.keep_upstream).push_back(i);
        streaming += fmt::format("{}{} from {}", streaming.empty() ? "" : ", ",
                                 inventory.hosts[i].name, inventory.hosts[up].name);
    }
    d.verdict = SwitchoverVerdict::Done;
    d.reason = fmt::format(
        "{} already is the primary and every other host streams in its "
        "topology ({}): nothing to do",
        target, streaming.empty() ? "no other host" : streaming);
    return d;
}

}  // namespace pgrepl
