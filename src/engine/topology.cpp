#include "pgrepl/engine/topology.hpp"

#include <fmt/format.h>

#include <set>

namespace pgrepl {
namespace {

LiveHost live_host(const Host& host, const HostSnapshot* snapshot) {
    LiveHost live;
    live.host = &host;
    if (snapshot == nullptr) return live;
    live.answered = true;
    live.running = snapshot->facts.cluster_running;
    live.server = snapshot->server;
    return live;
}

}  // namespace

std::vector<LiveHost> live_hosts(const Inventory& inventory,
                                 const std::map<std::string, HostSnapshot>& snapshots) {
    std::vector<LiveHost> hosts;
    hosts.reserve(inventory.hosts.size());
    for (const auto& host : inventory.hosts) {
        const auto it = snapshots.find(host.name);
        hosts.push_back(live_host(host, it == snapshots.end() ? nullptr : &it->second));
    }
    return hosts;
}

std::vector<DriftProblem> find_drift(const LiveTopology& topology,
                                     const std::vector<LiveHost>& hosts) {
    std::vector<DriftProblem> problems;
    // System identifiers known to belong to this cluster: the inventory primary's, and those of
    // the standbys (a standby always carries its primary's identifier).
    std::set<std::string> cluster_ids;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const auto& server = hosts[i].server;
        if (!server || server->system_identifier.empty()) continue;
        const LiveRole role = topology.nodes[i].role;
        if (role == LiveRole::Standby ||
            (role == LiveRole::Primary && i == topology.inventory_primary)) {
            cluster_ids.insert(server->system_identifier);
        }
    }
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const LiveHost& live = hosts[i];
        if (!live.answered || !live.running || !live.server) continue;
        const Host& host = *live.host;
        const LiveRole role = topology.nodes[i].role;
        if (host.role == Role::Primary && role == LiveRole::Standby) {
            const auto& receiver = live.server->receiver;
            const std::string sender =
                receiver && !receiver->sender.host.empty() ? receiver->sender.host : "?";
            problems.push_back({host.name, fmt::format("{} is running as a standby (of {}), but "
                                                       "the inventory says primary",
                                                       host.name, sender)});
        } else if (host.role == Role::Replica && role == LiveRole::Primary &&
                   cluster_ids.count(live.server->system_identifier) != 0) {
            problems.push_back(
                {host.name,
                 fmt::format("{} is running as a primary of this cluster (promoted?), but "
                             "the inventory says replica",
                             host.name)});
        }
    }
    return problems;
}

std::vector<DriftProblem> find_drift(const Inventory& inventory,
                                     const std::map<std::string, HostSnapshot>& snapshots) {
    const auto hosts = live_hosts(inventory, snapshots);
    return find_drift(live_topology(inventory, hosts), hosts);
}

}  // namespace pgrepl
