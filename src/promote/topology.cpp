#include "pgrepl/promote/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace pgrepl {
namespace {

std::optional<std::size_t> index_of(const Inventory& inventory, const std::string& name) {
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        if (inventory.hosts[i].name == name) return i;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::size_t> configured_upstream(const Inventory& inventory,
                                               const PromoteHostState& state) {
    if (state.conninfo_host.empty()) return std::nullopt;
    std::optional<std::size_t> by_name;
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        const Host& host = inventory.hosts[i];
        if (host.name == state.name) continue;
        const bool port_ok = !state.conninfo_port || *state.conninfo_port == host.postgres.port;
        if (!port_ok) continue;
        if (host.address == state.conninfo_host) return i;
        if (host.name == state.conninfo_host && !by_name) by_name = i;
    }
    return by_name;
}

std::vector<std::optional<std::size_t>> current_upstreams(
    const Inventory& inventory, const std::vector<PromoteHostState>& states) {
    std::vector<std::optional<std::size_t>> upstreams(inventory.hosts.size());
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        const Host& host = inventory.hosts[i];
        const PromoteHostState* state = i < states.size() ? &states[i] : nullptr;
        if (state != nullptr && state->running && state->role == LiveRole::Primary) continue;
        if (state != nullptr) {
            if (auto configured = configured_upstream(inventory, *state)) {
                upstreams[i] = configured;
                continue;
            }
        }
        if (host.role == Role::Primary) continue;
        upstreams[i] = index_of(inventory, inventory.upstream_of(host).name);
    }
    return upstreams;
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
