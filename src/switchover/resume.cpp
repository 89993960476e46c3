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

}  // namespace

std::optional<SwitchoverDecision> decide_resume(const Inventory& inventory,
                                                const std::vector<HandoverHostState>& states,
                                                const std::string& target) {
    const Host* host = inventory.find_host(target);
    if (host == nullptr || states.size() != inventory.hosts.size()) return std::nullopt;
    const std::size_t t = static_cast<std::size_t>(host - inventory.hosts.data());
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
    const Host* host = inventory.find_host(target);
    if (host == nullptr || states.size() != inventory.hosts.size()) return std::nullopt;
    const std::size_t t = static_cast<std::size_t>(host - inventory.hosts.data());
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

}  // namespace pgrepl
