#include "pgrepl/engine/topology.hpp"

#include <fmt/format.h>

#include <set>

namespace pgrepl {

std::vector<DriftProblem> find_drift(const Inventory& inventory,
                                     const std::map<std::string, HostSnapshot>& facts) {
    std::vector<DriftProblem> problems;
    // System identifiers known to belong to this cluster: the inventory primary's, and those of
    // the standbys (a standby always carries its primary's identifier).
    std::set<std::string> cluster_ids;
    const Host& primary = inventory.primary();
    if (auto it = facts.find(primary.name); it != facts.end() && it->second.server &&
                                            it->second.server->role == LiveRole::Primary &&
                                            !it->second.server->system_identifier.empty()) {
        cluster_ids.insert(it->second.server->system_identifier);
    }
    for (const auto& [name, snapshot] : facts) {
        const auto& server = snapshot.server;
        if (server && server->role == LiveRole::Standby && !server->system_identifier.empty()) {
            cluster_ids.insert(server->system_identifier);
        }
    }
    for (const auto& host : inventory.hosts) {
        auto it = facts.find(host.name);
        if (it == facts.end() || !it->second.facts.cluster_running || !it->second.server) continue;
        const LiveServer& live = *it->second.server;
        const std::string upstream = live.receiver ? live.receiver->sender.host : "";
        if (host.role == Role::Primary && live.role == LiveRole::Standby) {
            problems.push_back(
                {host.name,
                 fmt::format("{} is running as a standby (of {}), but the inventory says "
                             "primary",
                             host.name, upstream.empty() ? "?" : upstream)});
        } else if (host.role == Role::Replica && live.role == LiveRole::Primary &&
                   cluster_ids.count(live.system_identifier) != 0) {
            problems.push_back(
                {host.name,
                 fmt::format("{} is running as a primary of this cluster (promoted?), but "
                             "the inventory says replica",
                             host.name)});
        }
    }
    return problems;
}

}  // namespace pgrepl
