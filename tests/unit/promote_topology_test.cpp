// The topology after a promotion: current upstreams, the promoted inventory, stale lines.
#include <gtest/gtest.h>

#include "pgrepl/handover/topology.hpp"
#include "promote_test_util.hpp"

namespace pgrepl::promote_test {
namespace {

// "db1:primary db2:replica<db1 ..." for compact comparisons (upstream as resolved).
std::string shape(const Inventory& inventory) {
    std::string out;
    for (const auto& host : inventory.hosts) {
        if (!out.empty()) out += ' ';
        out += host.name + ':' + to_string(host.role);
        if (host.role == Role::Replica) out += '<' + inventory.upstream_of(host).name;
    }
    return out;
}

TEST(PromoteTopology, ConfiguredUpstreamMatchesAddressAndPort) {
    const auto inventory = three_hosts();
    auto s = standby("db3", "0/1", "10.0.0.12");
    EXPECT_EQ(configured_upstream(inventory, s), std::optional<std::size_t>(1));
    s.server->configured_upstream.port = 5433;
    EXPECT_EQ(configured_upstream(inventory, s), std::nullopt);
    s.server->configured_upstream.port.reset();
    s.server->configured_upstream.host = "db1";  // by name
    EXPECT_EQ(configured_upstream(inventory, s), std::optional<std::size_t>(0));
    s.server->configured_upstream.host = "10.9.9.9";
    EXPECT_EQ(configured_upstream(inventory, s), std::nullopt);
    s.server->configured_upstream.host = "10.0.0.13";  // itself never counts
    EXPECT_EQ(configured_upstream(inventory, s), std::nullopt);
}

TEST(PromoteTopology, CurrentUpstreamsPreferTheLiveConfiguration) {
    const auto inventory = cascading();
    // db4 is configured (live) to stream from db3, not db2 as the inventory says.
    const std::vector<HandoverHostState> states{down("db1"), standby("db2", "0/1"),
                                               standby("db3", "0/1"),
                                               standby("db4", "0/1", "10.0.0.13")};
    const auto up = current_upstreams(inventory, states);
    ASSERT_EQ(up.size(), 4u);
    EXPECT_EQ(up[0], std::nullopt);
    EXPECT_EQ(up[1], std::optional<std::size_t>(0));
    EXPECT_EQ(up[2], std::optional<std::size_t>(0));
    EXPECT_EQ(up[3], std::optional<std::size_t>(2));
}

TEST(PromoteTopology, PlainFailover) {
    const auto inventory = three_hosts();
    const auto up =
        current_upstreams(inventory, {down("db1"), standby("db2", "0/1"), standby("db3", "0/1")});
    const auto promoted = promoted_inventory(inventory, 1, {0}, up);
    EXPECT_EQ(shape(promoted), "db1:replica<db2 db2:primary db3:replica<db2");
    EXPECT_FALSE(promoted.hosts[0].upstream.has_value());
    EXPECT_FALSE(promoted.hosts[2].upstream.has_value());
    EXPECT_EQ(promoted.primary().name, "db2");
    // The original is untouched.
    EXPECT_EQ(shape(inventory), "db1:primary db2:replica<db1 db3:replica<db1");
}

TEST(PromoteTopology, CascadingReplicasBelowThePromotedHostKeepIt) {
    const auto inventory = cascading();
    const std::vector<HandoverHostState> states{down("db1"), standby("db2", "0/1"),
                                               standby("db3", "0/1"),
                                               standby("db4", "0/1", "10.0.0.12")};
    EXPECT_EQ(shape(promoted_inventory(inventory, 1, {0}, current_upstreams(inventory, states))),
              "db1:replica<db2 db2:primary db3:replica<db2 db4:replica<db2");
    // Promoting db3 instead: db4 stays below db2, which now follows db3.
    EXPECT_EQ(shape(promoted_inventory(inventory, 2, {0}, current_upstreams(inventory, states))),
              "db1:replica<db3 db2:replica<db3 db3:primary db4:replica<db2");
}

TEST(PromoteTopology, PromotingACascadingReplicaMakesItsUpstreamFollowIt) {
    const auto inventory = cascading();
    const std::vector<HandoverHostState> states{down("db1"), standby("db2", "0/1"),
                                               standby("db3", "0/1"),
                                               standby("db4", "0/1", "10.0.0.12")};
    EXPECT_EQ(shape(promoted_inventory(inventory, 3, {0}, current_upstreams(inventory, states))),
              "db1:replica<db4 db2:replica<db4 db3:replica<db4 db4:primary");
}

TEST(PromoteTopology, LoopsAreCutToTheNewPrimary) {
    const auto inventory = cascading();
    // db3 and db4 point at each other (a misconfiguration): the loop is cut at the first.
    std::vector<std::optional<std::size_t>> up{std::nullopt, 0, 3, 2};
    EXPECT_EQ(shape(promoted_inventory(inventory, 1, {0}, up)),
              "db1:replica<db2 db2:primary db3:replica<db2 db4:replica<db3");
}

TEST(PromoteTopology, StaleRoleLinesInFileOrder) {
    const auto inventory = three_hosts();
    const auto promoted = promoted_inventory(
        inventory, 2, {0},
        current_upstreams(inventory, {down("db1"), standby("db2", "0/1"), standby("db3", "0/1")}));
    const auto lines = stale_inventory_lines(inventory, promoted);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].host, "db1");
    EXPECT_EQ(lines[0].kind, StaleKind::Role);
    EXPECT_EQ(lines[0].mark.line, 3);
    EXPECT_EQ(lines[0].message, "role: primary -> replica");
    EXPECT_EQ(lines[1].host, "db3");
    EXPECT_EQ(lines[1].mark.line, 5);
    EXPECT_EQ(lines[1].message, "role: replica -> primary");
}

TEST(PromoteTopology, StaleUpstreamKeys) {
    const auto inventory = cascading();
    const std::vector<HandoverHostState> states{down("db1"), standby("db2", "0/1"),
                                               standby("db3", "0/1"),
                                               standby("db4", "0/1", "10.0.0.12")};
    // Promoting db4: its own upstream key must go.
    auto lines = stale_inventory_lines(
        inventory, promoted_inventory(inventory, 3, {0}, current_upstreams(inventory, states)));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[1].kind, StaleKind::Role);
    EXPECT_EQ(lines[1].host, "db4");
    EXPECT_EQ(lines[2].kind, StaleKind::Upstream);
    EXPECT_EQ(lines[2].host, "db4");
    EXPECT_EQ(lines[2].message, "upstream: db2: remove it (db4 is the primary now)");
    // Promoting db2: db4's `upstream: db2` names the primary, which is still right.
    lines = stale_inventory_lines(
        inventory, promoted_inventory(inventory, 1, {0}, current_upstreams(inventory, states)));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].host, "db1");
    EXPECT_EQ(lines[1].host, "db2");
}

}  // namespace
}  // namespace pgrepl::promote_test
