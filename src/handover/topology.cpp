#include "pgrepl/handover/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "pgrepl/engine/live_topology.hpp"

namespace pgrepl {
namespace {

// What the live topology needs of a state: the server's answer as it is, and recovery.conf's
// primary_conninfo for a server that gave none (before 12).
LiveHost live_host(const Host& host, const HandoverHostState* state) {
    LiveHost live;
    live.host = &host;
    if (state == nullptr) return live;
    live.answered = state->reachable;
    live.running = state->running;
    live.server = state->server;
    live.fence_note = state->fence_note;
    live.file_upstream = state->recovery_conf_upstream.value_or(Endpoint{});
    return live;
}

}  // namespace

std::optional<std::size_t> configured_upstream(const Inventory& inventory,
                                               const HandoverHostState& state) {
    const auto matched = match_upstream(inventory, state.upstream_endpoint());
    if (matched && inventory.hosts[*matched].name == state.name) return std::nullopt;
    return matched;
}

LiveTopology live_topology_of(const Inventory& inventory,
                              const std::vector<HandoverHostState>& states) {
    std::vector<LiveHost> hosts;
    hosts.reserve(inventory.hosts.size());
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i)
        hosts.push_back(live_host(inventory.hosts[i], i < states.size() ? &states[i] : nullptr));
    return live_topology(inventory, hosts);
}

std::vector<std::optional<std::size_t>> current_upstreams(
    const Inventory& inventory, const std::vector<HandoverHostState>& states) {
    return live_topology_of(inventory, states).configured_upstreams();
}

Inventory promoted_inventory(const Inventory& inventory, std::size_t target,
                             const std::vector<std::size_t>& old_primaries,
                             const std::vector<std::optional<std::size_t>>& upstreams) {
    const std::size_t count = inventory.hosts.size();
    const std::set<std::size_t> old(old_primaries.begin(), old_primaries.end());
    // New upstream of each host by index (nullopt: the target, or none for the target).
    std::vector<std::optional<std::size_t>> next(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (i == target || old.count(i) != 0) continue;
        const auto up = i < upstreams.size() ? upstreams[i] : std::nullopt;
        if (!up || *up == target || *up == i || old.count(*up) != 0) continue;
        next[i] = up;
    }
    // Every chain must end at the target: cut loops and chains into nowhere.
    for (std::size_t i = 0; i < count; ++i) {
        std::optional<std::size_t> at = next[i];
        std::size_t hops = 0;
        while (at && hops <= count) {
            at = next[*at];
            ++hops;
        }
        if (hops > count) next[i].reset();
    }
    Inventory promoted = inventory;
    for (std::size_t i = 0; i < count; ++i) {
        Host& host = promoted.hosts[i];
        host.role = i == target ? Role::Primary : Role::Replica;
        host.upstream.reset();
        if (next[i]) host.upstream = inventory.hosts[*next[i]].name;
    }
    return promoted;
}

std::vector<StaleLine> stale_inventory_lines(const Inventory& file, const Inventory& promoted) {
    std::vector<StaleLine> lines;
    for (std::size_t i = 0; i < file.hosts.size() && i < promoted.hosts.size(); ++i) {
        const Host& before = file.hosts[i];
        const Host& after = promoted.hosts[i];
        if (before.role != after.role) {
            StaleLine line;
            line.kind = StaleKind::Role;
            line.host = before.name;
            line.mark = before.role_mark;
            line.from = before.role;
            line.to = after.role;
            line.message =
                fmt::format("role: {} -> {}", to_string(before.role), to_string(after.role));
            lines.push_back(std::move(line));
        }
        if (!before.upstream) continue;
        std::string message;
        if (after.role == Role::Primary) {
            message = fmt::format("upstream: {}: remove it ({} is the primary now)",
                                  *before.upstream, before.name);
        } else {
            const std::string now = promoted.upstream_of(after).name;
            if (now != *before.upstream) {
                message = fmt::format("upstream: {} -> {}{}", *before.upstream, now,
                                      now == promoted.primary().name ? " (or remove it)" : "");
            }
        }
        if (message.empty()) continue;
        StaleLine line;
        line.kind = StaleKind::Upstream;
        line.host = before.name;
        line.mark = before.mark;
        line.message = std::move(message);
        lines.push_back(std::move(line));
    }
    std::stable_sort(lines.begin(), lines.end(), [](const StaleLine& a, const StaleLine& b) {
        return a.mark.line < b.mark.line;
    });
    return lines;
}

}  // namespace pgrepl
