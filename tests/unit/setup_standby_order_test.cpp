// The hot-standby rule's order of restarts, planned from first snapshots.
#include <gtest/gtest.h>

#include "setup/standby_order.hpp"
#include "pgrepl/inventory/load.hpp"

namespace pgrepl {
namespace {

Inventory cascade(int max_connections) {
    auto loaded = parse_inventory("postgres:\n  version: 15\n  settings:\n    max_connections: " +
                                      std::to_string(max_connections) + R"(
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
  - { name: db3, address: 10.0.0.13, role: replica, upstream: db2 }
)",
                                  "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

// A running server whose pg_settings say max_connections = N and max_wal_senders = 10.
HostSnapshot running(int max_connections, int max_wal_senders = 10) {
    HostSnapshot snapshot;
    snapshot.facts.cluster_running = true;
    snapshot.queries["settings"] =
        "max_connections|" + std::to_string(max_connections) +
        "||postmaster|configuration file|/etc/postgresql/15/main/conf.d/pgrepl.conf|9|f\n"
        "max_wal_senders|" +
        std::to_string(max_wal_senders) +
        "||postmaster|configuration file|/etc/postgresql/15/main/conf.d/pgrepl.conf|3|f\n";
    return snapshot;
}

std::vector<OrderHost> hosts_of(const Inventory& inventory,
                                const std::vector<const HostSnapshot*>& snapshots,
                                std::vector<bool> changes = {true, true, true}) {
    std::vector<OrderHost> hosts;
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i)
        hosts.push_back({&inventory.hosts[i], changes[i], snapshots[i]});
    return hosts;
}

TEST(StandbyOrder, ARiseRestartsTheStandbysFirstDeepestFirst) {
    const auto inventory = cascade(200);
    const auto at100 = running(100);
    const auto order = plan_standby_order(inventory, hosts_of(inventory, {&at100, &at100, &at100}));
    EXPECT_TRUE(order.blocked.empty());
    EXPECT_EQ(order.standbys_first, (std::vector<std::string>{"db3", "db2"}));
    EXPECT_EQ(order.rising, std::vector<std::string>{"max_connections"});
}

TEST(StandbyOrder, AFallOrNoChangeKeepsTheUsualOrder) {
    const auto inventory = cascade(150);
    const auto at200 = running(200);
    const auto at150 = running(150);
    EXPECT_TRUE(plan_standby_order(inventory, hosts_of(inventory, {&at200, &at200, &at200}))
                    .standbys_first.empty());
    const auto same = plan_standby_order(inventory, hosts_of(inventory, {&at150, &at150, &at150}));
    EXPECT_TRUE(same.standbys_first.empty());
    EXPECT_TRUE(same.blocked.empty());
}

TEST(StandbyOrder, AStoppedStandbyIsNotRestartedFirst) {
    const auto inventory = cascade(200);
    const auto at100 = running(100);
    HostSnapshot stopped;
    const auto order =
        plan_standby_order(inventory, hosts_of(inventory, {&at100, &stopped, &at100}));
    EXPECT_EQ(order.standbys_first, std::vector<std::string>{"db3"});
}

TEST(StandbyOrder, ARiseAndAFallAtOnceBlockTheUpstream) {
    const auto inventory = cascade(200);
    const auto mixed = running(100, 20);  // max_wal_senders falls back to pgrepl's 10
    const auto at100 = running(100);
    const auto order = plan_standby_order(inventory, hosts_of(inventory, {&mixed, &at100, &at100}));
    ASSERT_FALSE(order.blocked.empty());
    EXPECT_EQ(order.blocked[0].host, "db1");
    EXPECT_NE(order.blocked[0].reason.find("max_connections rise(s) while max_wal_senders fall(s)"),
              std::string::npos)
        << order.blocked[0].reason;
}

TEST(StandbyOrder, LimitThatLeavesAStandbyBehindIsBlocked) {
    const auto inventory = cascade(200);
    const auto at100 = running(100);
    // --limit db1: a rise on db1 whose standbys this run does not change.
    auto order = plan_standby_order(
        inventory, hosts_of(inventory, {&at100, &at100, &at100}, {true, false, false}));
    ASSERT_EQ(order.blocked.size(), 1u);
    EXPECT_EQ(order.blocked[0].host, "db1");
    EXPECT_NE(order.blocked[0].reason.find("db2, db3"), std::string::npos)
        << order.blocked[0].reason;
    // --limit db2 on a fall: db2 would restart below what db1 still runs.
    const auto fall = cascade(150);
    const auto at200 = running(200);
    order =
        plan_standby_order(fall, hosts_of(fall, {&at200, &at200, &at200}, {false, true, false}));
    ASSERT_EQ(order.blocked.size(), 1u);
    EXPECT_EQ(order.blocked[0].host, "db2");
    EXPECT_NE(order.blocked[0].reason.find("below what upstream db1 runs with"), std::string::npos)
        << order.blocked[0].reason;
}

}  // namespace
}  // namespace pgrepl
