#include "standby_order.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "pgrepl/pg/settings_check.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

// The standbys below `upstream`, each with its depth under it (1: streams from it).
void below(const Inventory& inventory, const Host& upstream, int depth,
           std::vector<std::pair<const Host*, int>>& out) {
    for (const auto& host : inventory.hosts) {
        if (host.role != Role::Replica || &inventory.upstream_of(host) != &upstream) continue;
        out.emplace_back(&host, depth);
        below(inventory, host, depth + 1, out);
    }
}

std::vector<SettingRow> running_rows(const OrderHost& host) {
    if (host.snapshot == nullptr || !host.snapshot->facts.cluster_running) return {};
    auto rows = managed_setting_rows(*host.snapshot);
    return rows ? std::move(rows).value() : std::vector<SettingRow>{};
}

}  // namespace

StandbyOrder plan_standby_order(const Inventory& inventory, const std::vector<OrderHost>& hosts) {
    StandbyOrder order;
    std::map<std::string, const OrderHost*> by_name;
    for (const auto& host : hosts) by_name[host.host->name] = &host;
    std::map<std::string, int> first;  // standby → depth, deepest kept
    for (const auto& upstream : hosts) {
        if (!upstream.changes) continue;
        const auto change =
            hot_standby_change(desired_settings(inventory, *upstream.host), running_rows(upstream));
        if (change.rising.empty()) continue;
        const std::string& name = upstream.host->name;
        if (!change.falling.empty()) {
            order.blocked.push_back(
                {name,
                 fmt::format(
                     "{} rise(s) while {} fall(s): no order of restarts keeps every standby "
                     "at or above its upstream",
                     fmt::join(change.rising, ", "), fmt::join(change.falling, ", ")),
                 "change them in two runs: first raise, then lower (or the other way round)"});
            continue;
        }
        std::vector<std::pair<const Host*, int>> standbys;
        below(inventory, *upstream.host, 1, standbys);
        std::vector<std::string> left_out;
        for (const auto& [standby, depth] : standbys) {
            auto it = by_name.find(standby->name);
            if (it == by_name.end() || !it->second->changes) left_out.push_back(standby->name);
        }
        if (!left_out.empty()) {
            order.blocked.push_back(
                {name,
                 fmt::format("{} rise(s): standby(s) {} must restart with the new value first, "
                             "and this run does not change them",
                             fmt::join(change.rising, ", "), fmt::join(left_out, ", ")),
                 "run pgrepl setup without --limit (or add the standbys to it)"});
            continue;
        }
        for (const auto& parameter : change.rising) {
            if (std::find(order.rising.begin(), order.rising.end(), parameter) ==
                order.rising.end())
                order.rising.push_back(parameter);
        }
        for (const auto& [standby, depth] : standbys) {
            const OrderHost& one = *by_name[standby->name];
            if (one.snapshot == nullptr || !one.snapshot->facts.cluster_running) continue;
            first[standby->name] = std::max(first[standby->name], depth);
        }
    }
    // A standby restarting below what its unchanged upstream runs (--limit on the standby).
    for (const auto& standby : hosts) {
        if (!standby.changes || standby.host->role != Role::Replica) continue;
        auto it = by_name.find(inventory.upstream_of(*standby.host).name);
        if (it == by_name.end() || it->second->changes) continue;
        std::vector<std::string> below_upstream;
        const auto upstream_rows = running_rows(*it->second);
        for (const auto& parameter :
             hot_standby_change(desired_settings(inventory, *standby.host), upstream_rows).falling)
            below_upstream.push_back(parameter);
        if (below_upstream.empty()) continue;
        order.blocked.push_back(
            {standby.host->name,
             fmt::format("{} would be below what upstream {} runs with: lower it there first",
                         fmt::join(below_upstream, ", "), it->second->host->name),
             "run pgrepl setup without --limit: the upstream restarts first"});
    }
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [name, depth] : first) sorted.emplace_back(-depth, name);
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [depth, name] : sorted) order.standbys_first.push_back(name);
    return order;
}

}  // namespace pgrepl
