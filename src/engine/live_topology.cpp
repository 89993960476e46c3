#include "pgrepl/engine/live_topology.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace pgrepl {
namespace {

constexpr int kDefaultPort = 5432;

/// An IP address in binary form (family, bytes); std::nullopt for a name.
std::optional<std::pair<int, std::array<unsigned char, 16>>> ip_address(std::string_view text) {
    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    const std::string copy(text);
    std::array<unsigned char, 16> bytes{};
    if (inet_pton(AF_INET, copy.c_str(), bytes.data()) == 1) return std::pair{AF_INET, bytes};
    if (inet_pton(AF_INET6, copy.c_str(), bytes.data()) == 1) return std::pair{AF_INET6, bytes};
    return std::nullopt;
}

/// A DNS name as compared: without a trailing dot.
std::string_view dns_name(std::string_view text) {
    if (text.size() > 1 && text.back() == '.') text.remove_suffix(1);
    return text;
}

bool same_name(std::string_view a, std::string_view b) {
    a = dns_name(a);
    b = dns_name(b);
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// An inventory address against an endpoint host: as IP addresses when both are, as names
/// when neither is.
bool same_address(std::string_view address, std::string_view host) {
    const auto a = ip_address(address);
    const auto b = ip_address(host);
    if (a || b) return a && b && *a == *b;
    return same_name(address, host);
}

/// The only index `pick` accepts among `candidates`; std::nullopt for none or several.
template <typename Pick>
std::optional<std::size_t> only(const Inventory& inventory,
                                const std::vector<std::size_t>& candidates, Pick pick) {
    std::optional<std::size_t> found;
    for (std::size_t i : candidates) {
        if (!pick(inventory.hosts[i])) continue;
        if (found) return std::nullopt;  // ambiguous
        found = i;
    }
    return found;
}

std::optional<std::size_t> index_of(const std::vector<LiveHost>& hosts, const std::string& name) {
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (hosts[i].host->name == name) return i;
    }
    return std::nullopt;
}

/// match_upstream() as an index into `hosts`.
std::optional<std::size_t> match_host(const Inventory& inventory,
                                      const std::vector<LiveHost>& hosts,
                                      const Endpoint& endpoint) {
    const auto matched = match_upstream(inventory, endpoint);
    if (!matched) return std::nullopt;
    return index_of(hosts, inventory.hosts[*matched].name);
}

std::string endpoint_text(const Endpoint& endpoint) {
    return endpoint.host + (endpoint.port ? ":" + std::to_string(*endpoint.port) : "");
}

const Endpoint& configured_endpoint(const LiveHost& host) {
    if (host.server && !host.server->configured_upstream.host.empty())
        return host.server->configured_upstream;
    return host.file_upstream;
}

void find_system_identifier(LiveTopology& topology, const std::vector<LiveHost>& hosts) {
    const LiveHost& inv_primary = hosts.at(topology.inventory_primary);
    if (inv_primary.server && !inv_primary.server->system_identifier.empty()) {
        topology.system_identifier = inv_primary.server->system_identifier;
        return;
    }
    std::map<std::string, int> votes;
    int best = 0;
    for (const auto& host : hosts) {
        if (!host.server || host.server->system_identifier.empty()) continue;
        const int count = ++votes[host.server->system_identifier];
        if (count > best) {
            best = count;
            topology.system_identifier = host.server->system_identifier;
        }
    }
}

/// The primary: the only one, or (split brain) the one most hosts stream from.
void choose_primary(LiveTopology& topology) {
    if (topology.primaries.size() == 1) {
        topology.primary = topology.primaries.front();
        return;
    }
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

/// How the live topology differs from the inventory.
void find_differences(LiveTopology& topology, const Inventory& inventory,
                      const std::vector<LiveHost>& hosts) {
    const std::string& inventory_primary_name = inventory.primary().name;
    if (topology.primary && *topology.primary != topology.inventory_primary) {
        topology.differences.push_back(fmt::format("the live primary is {}; the inventory says {}",
                                                   hosts[*topology.primary].host->name,
                                                   inventory_primary_name));
    }
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const auto& node = topology.nodes[i];
        if (node.upstream_source != UpstreamSource::Live) continue;
        const Host& host = *hosts[i].host;
        if (host.role == Role::Primary) continue;  // already said
        const Host* expected =
            inventory.find_host(host.upstream ? *host.upstream : inventory_primary_name);
        const Host& live = *hosts[*node.upstream].host;
        if (expected != nullptr && expected->name != live.name) {
            topology.differences.push_back(
                fmt::format("{} streams from {}; the inventory says from {}", host.name, live.name,
                            expected->name));
        }
    }
}

}  // namespace

std::optional<std::size_t> match_upstream(const Inventory& inventory, const Endpoint& endpoint) {
    if (endpoint.host.empty()) return std::nullopt;
    const int port = endpoint.port.value_or(kDefaultPort);
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        if (inventory.hosts[i].postgres.port == port) candidates.push_back(i);
    }
    const std::string_view wanted = endpoint.host;
    bool any_address = false;
    auto by_address = only(inventory, candidates, [&](const Host& host) {
        const bool same = same_address(host.address, wanted);
        any_address = any_address || same;
        return same;
    });
    if (by_address || any_address) return by_address;
    return only(inventory, candidates,
                [&](const Host& host) { return same_name(host.name, wanted); });
}

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

std::vector<std::optional<std::size_t>> LiveTopology::configured_upstreams() const {
    std::vector<std::optional<std::size_t>> upstreams(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const TopologyNode& node = nodes[i];
        if (node.role == LiveRole::Primary) continue;
        upstreams[i] =
            node.configured_upstream ? node.configured_upstream : node.inventory_upstream;
    }
    return upstreams;
}

LiveTopology live_topology(const Inventory& inventory, const std::vector<LiveHost>& hosts) {
    LiveTopology topology;
    topology.nodes.resize(hosts.size());
    topology.inventory_primary = index_of(hosts, inventory.primary().name).value_or(0);
    find_system_identifier(topology, hosts);

    for (std::size_t i = 0; i < hosts.size(); ++i) {
        auto& node = topology.nodes[i];
        const Host& host = *hosts[i].host;
        if (host.role != Role::Primary)
            node.inventory_upstream = index_of(hosts, inventory.upstream_of(host).name);
        if (auto configured = match_host(inventory, hosts, configured_endpoint(hosts[i]));
            configured != i) {
            node.configured_upstream = configured;
        }
        const auto& server = hosts[i].server;
        if (!server) continue;
        node.role = server->role;
        node.member = server->system_identifier.empty() || topology.system_identifier.empty() ||
                      server->system_identifier == topology.system_identifier;
        if (node.role == LiveRole::Primary && node.member) topology.primaries.push_back(i);
        if (node.role == LiveRole::Standby && server->receiver &&
            !server->receiver->sender.host.empty()) {
            const Endpoint& sender = server->receiver->sender;
            if (auto live = match_host(inventory, hosts, sender); live && *live != i) {
                node.live_upstream = live;
                node.upstream = live;
                node.upstream_source = UpstreamSource::Live;
            } else {
                node.unknown_sender = endpoint_text(sender);
            }
        }
    }
    if (!topology.primaries.empty()) choose_primary(topology);

    // Former primaries: retired by a failover to the only live primary, and out of the way.
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const LiveHost& host = hosts[i];
        const bool out_of_topology = !host.answered || !host.running;
        const bool was_primary = host.host->role == Role::Primary || host.fence_note.has_value();
        topology.nodes[i].former_primary = topology.primaries.size() == 1 &&
                                           *topology.primary != i && out_of_topology && was_primary;
    }

    // Expected upstreams of the hosts that stream from nobody.
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        auto& node = topology.nodes[i];
        if (node.upstream || !node.unknown_sender.empty() || !topology.expected_standby(i))
            continue;
        std::optional<std::size_t> expected;
        if (const auto& upstream = hosts[i].host->upstream) expected = index_of(hosts, *upstream);
        if (!expected) expected = topology.primary;
        if (!expected) expected = topology.inventory_primary;
        if (expected && *expected != i) {
            node.upstream = expected;
            node.upstream_source = UpstreamSource::Inventory;
        }
    }
    find_differences(topology, inventory, hosts);
    return topology;
}

}  // namespace pgrepl
