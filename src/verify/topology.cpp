#include "pgrepl/verify/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace pgrepl {
namespace {

bool same_host_text(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// The host a WAL receiver's sender (host, port) designates, if it is an inventory host.
std::optional<std::size_t> find_sender(const std::vector<HostState>& states,
                                       const WalReceiverInfo& receiver) {
    for (std::size_t i = 0; i < states.size(); ++i) {
        const Host& host = *states[i].host;
        const bool named = same_host_text(host.address, receiver.sender_host) ||
                           same_host_text(host.name, receiver.sender_host);
        if (named && (!receiver.sender_port || *receiver.sender_port == host.postgres.port)) {
            return i;
        }
    }
    return std::nullopt;
}

std::optional<std::size_t> index_of(const std::vector<HostState>& states, const std::string& name) {
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (states[i].host->name == name) return i;
    }
    return std::nullopt;
}

}  // namespace

const char* to_string(UpstreamSource source) {
    switch (source) {
        case UpstreamSource::Live:
            return "live";
        case UpstreamSource::Inventory:
            return "inventory";
        case UpstreamSource::None:
            return "none";
    }
    return "none";
}

bool LiveTopology::expected_standby(std::size_t index) const {
    if (nodes[index].role == LiveRole::Standby) return true;
    if (nodes[index].former_primary) return false;
    if (std::find(primaries.begin(), primaries.end(), index) != primaries.end()) return false;
    if (!primary && index == inventory_primary) return false;
    return true;
}

std::vector<std::size_t> LiveTopology::downstreams(std::size_t index) const {
    std::vector<std::size_t> result;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].upstream == index) result.push_back(i);
    }
    return result;
}

std::optional<std::size_t> LiveTopology::root_of(std::size_t index) const {
    std::size_t current = index;
    for (std::size_t steps = 0; steps <= nodes.size(); ++steps) {
        if (nodes[current].role == LiveRole::Primary) return current;
        if (!nodes[current].upstream) return std::nullopt;
        current = *nodes[current].upstream;
    }
    return std::nullopt;  // a loop
}

LiveTopology discover_topology(const Inventory& inventory, const std::vector<HostState>& states) {
    LiveTopology topology;
    topology.nodes.resize(states.size());
    const std::string& inventory_primary_name = inventory.primary().name;
    topology.inventory_primary = index_of(states, inventory_primary_name).value_or(0);

    // The cluster's system identifier.
    const HostState& inv_primary = states.at(topology.inventory_primary);
    if (inv_primary.server && !inv_primary.server->system_identifier.empty()) {
        topology.system_identifier = inv_primary.server->system_identifier;
    } else {
        std::map<std::string, int> votes;
        int best = 0;
        for (const auto& state : states) {
            if (!state.server || state.server->system_identifier.empty()) continue;
            const int count = ++votes[state.server->system_identifier];
            if (count > best) {
                best = count;
                topology.system_identifier = state.server->system_identifier;
            }
        }
    }

    for (std::size_t i = 0; i < states.size(); ++i) {
        auto& node = topology.nodes[i];
        const auto& server = states[i].server;
        if (!server) continue;
        node.role = server->role;
        node.member = server->system_identifier.empty() || topology.system_identifier.empty() ||
                      server->system_identifier == topology.system_identifier;
        if (node.role == LiveRole::Primary && node.member) topology.primaries.push_back(i);
        if (node.role == LiveRole::Standby && states[i].receiver &&
            !states[i].receiver->sender_host.empty()) {
            const auto& receiver = *states[i].receiver;
            if (auto sender = find_sender(states, receiver); sender && *sender != i) {
                node.upstream = sender;
                node.upstream_source = UpstreamSource::Live;
            } else {
                node.unknown_sender =
                    receiver.sender_host +
                    (receiver.sender_port ? ":" + std::to_string(*receiver.sender_port) : "");
            }
        }
    }

    // The primary: the only one, or (split brain) the one most hosts stream from.
    if (topology.primaries.size() == 1) {
        topology.primary = topology.primaries.front();
    } else if (topology.primaries.size() > 1) {
        std::size_t best_count = 0;
        for (std::size_t candidate : topology.primaries) {
            const std::size_t count = topology.downstreams(candidate).size();
            const bool better = !topology.primary || count > best_count ||
                                (count == best_count && candidate == topology.inventory_primary);
            if (better) {
                topology.primary = candidate;
                best_count = count;
            }
        }
    }

    // Former primaries: retired by a failover to the only live primary, and out of the way.
    for (std::size_t i = 0; i < states.size(); ++i) {
        const HostState& state = states[i];
        const bool out_of_topology = !state.reached() || !state.running();
        const bool was_primary = state.host->role == Role::Primary || state.fence_note.has_value();
        topology.nodes[i].former_primary = topology.primaries.size() == 1 &&
                                           *topology.primary != i && out_of_topology && was_primary;
    }

    // Expected upstreams of the hosts that stream from nobody.
    for (std::size_t i = 0; i < states.size(); ++i) {
        auto& node = topology.nodes[i];
        if (node.upstream || !node.unknown_sender.empty() || !topology.expected_standby(i))
            continue;
        std::optional<std::size_t> expected;
        if (const auto& upstream = states[i].host->upstream) expected = index_of(states, *upstream);
        if (!expected) expected = topology.primary;
        if (!expected) expected = topology.inventory_primary;
        if (expected && *expected != i) {
            node.upstream = expected;
            node.upstream_source = UpstreamSource::Inventory;
        }
    }

    // How the live topology differs from the inventory.
    if (topology.primary && *topology.primary != topology.inventory_primary) {
        topology.differences.push_back(fmt::format("the live primary is {}; the inventory says {}",
                                                   states[*topology.primary].host->name,
                                                   inventory_primary_name));
    }
    for (std::size_t i = 0; i < states.size(); ++i) {
        const auto& node = topology.nodes[i];
        if (node.upstream_source != UpstreamSource::Live) continue;
        const Host& host = *states[i].host;
        if (host.role == Role::Primary) continue;  // already said
        const Host* expected =
            inventory.find_host(host.upstream ? *host.upstream : inventory_primary_name);
        const Host& live = *states[*node.upstream].host;
        if (expected != nullptr && expected->name != live.name) {
            topology.differences.push_back(
                fmt::format("{} streams from {}; the inventory says from {}", host.name, live.name,
                            expected->name));
        }
    }
    return topology;
}

}  // namespace pgrepl
