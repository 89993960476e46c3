#include "pgrepl/engine/topology.hpp"

#include <fmt/format.h>

#include <set>

namespace pgrepl {

std::vector<DriftProblem> find_drift(const Inventory& inventory,
                                     const std::map<std::string, HostFacts>& facts) {
    std::vector<DriftProblem> problems;
    // System identifiers known to belong to this cluster: the inventory primary's, and those of
    // the standbys (a standby always carries its primary's identifier).
    std::set<std::string> cluster_ids;
    const Host& primary = inventory.primary();
    if (auto it = facts.find(primary.name); it != facts.end() &&
                                            it->second.role == LiveRole::Primary &&
                                            !it->second.system_identifier.empty()) {
        cluster_ids.insert(it->second.system_identifier);
    }
    for (const auto& [name, host_facts] : facts) {
        if (host_facts.role == LiveRole::Standby && !host_facts.system_identifier.empty()) {
            cluster_ids.insert(host_facts.system_identifier);
        }
    }
    for (const auto& host : inventory.hosts) {
        auto it = facts.find(host.name);
        if (it == facts.end() || !it->second.cluster_running) continue;
        const auto& live = it->second;
        if (host.role == Role::Primary && live.role == LiveRole::Standby) {
            problems.push_back(
                {host.name,
                 fmt::format("{} is running as a standby (of {}), but the inventory says "
                             "primary",
                             host.name, live.receiver_host.empty() ? "?" : live.receiver_host)});
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
