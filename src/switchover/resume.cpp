#include <fmt/format.h>

#include "pgrepl/handover/demote.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/switchover/decide.hpp"

namespace pgrepl {

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
        const auto up = configured_upstream(inventory, s);
        if (up && *up == *stopped) {
            d.siblings.push_back(i);
        } else {
            d.keep_upstream.push_back(i);
        }
    }
    d.verdict = SwitchoverVerdict::Switch;
    d.resume = true;
    d.senders_needed = static_cast<int>(d.siblings.size()) + 1;
    d.reason = fmt::format(
        "resume the switchover from {} to {}: {} was stopped for it by a run that did not end "
        "({})",
        inventory.hosts[*stopped].name, target, inventory.hosts[*stopped].name, marker);
    return d;
}

}  // namespace pgrepl
