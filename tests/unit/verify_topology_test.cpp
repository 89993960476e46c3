// Discovering the live topology from the gathered states.
#include <gtest/gtest.h>

#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

HostState unreachable(const Inventory& inventory, std::size_t index) {
    HostState state;
    state.host = &inventory.hosts[index];
    state.unreachable = make_error(ErrorKind::Connect, "timeout");
    return state;
}

TEST(VerifyTopology, Healthy) {
    const Inventory inventory = test::verify_inventory();
    const auto states = test::healthy_states(inventory);
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(topology.system_identifier, test::kSystemId);
    EXPECT_EQ(topology.primary, 0u);
    EXPECT_FALSE(topology.split_brain());
    EXPECT_EQ(topology.nodes[1].upstream, 0u);
    EXPECT_EQ(topology.nodes[1].upstream_source, UpstreamSource::Live);
    EXPECT_EQ(topology.nodes[2].upstream, 0u);
    EXPECT_EQ(topology.downstreams(0), (std::vector<std::size_t>{1, 2}));
    EXPECT_EQ(topology.root_of(2), 0u);
    EXPECT_TRUE(topology.differences.empty());
    EXPECT_FALSE(topology.expected_standby(0));
    EXPECT_TRUE(topology.expected_standby(1));
}

TEST(VerifyTopology, CascadeMatchesTheInventory) {
    Inventory inventory = test::verify_inventory();
    inventory.hosts[2].upstream = "db2";
    const std::vector<HostState> states = {test::primary_state(inventory, "db1", {"db2"}),
                                           test::primary_state(inventory, "db2", {"db3"}),
                                           test::standby_state(inventory, "db3", "db2")};
    auto standby_db2 = test::standby_state(inventory, "db2", "db1");
    standby_db2.replication = states[1].replication;
    std::vector<HostState> live = {states[0], standby_db2, states[2]};
    const auto topology = live_topology(inventory, live_hosts(live));
    EXPECT_EQ(topology.nodes[2].upstream, 1u);
    EXPECT_EQ(topology.root_of(2), 0u);
    EXPECT_TRUE(topology.differences.empty()) << topology.differences.front();
}

TEST(VerifyTopology, AfterAFailoverTheLiveTopologyWins) {
    const Inventory inventory = test::verify_inventory();
    // db2 was promoted; db1 and db3 now stream from it. The inventory still says db1 is primary.
    std::vector<HostState> states = {test::standby_state(inventory, "db1", "db2"),
                                     test::primary_state(inventory, "db2", {"db1", "db3"}),
                                     test::standby_state(inventory, "db3", "db2")};
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(topology.primary, 1u);
    EXPECT_EQ(topology.inventory_primary, 0u);
    EXPECT_TRUE(topology.expected_standby(0));
    EXPECT_EQ(topology.nodes[0].upstream, 1u);
    ASSERT_EQ(topology.differences.size(), 2u);
    EXPECT_EQ(topology.differences[0], "the live primary is db2; the inventory says db1");
    EXPECT_EQ(topology.differences[1], "db3 streams from db2; the inventory says from db1");
}

TEST(VerifyTopology, SplitBrainPicksThePrimaryMostHostsStreamFrom) {
    const Inventory inventory = test::verify_inventory();
    std::vector<HostState> states = {test::primary_state(inventory, "db1", {}),
                                     test::primary_state(inventory, "db2", {"db3"}),
                                     test::standby_state(inventory, "db3", "db2")};
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_TRUE(topology.split_brain());
    EXPECT_EQ(topology.primaries, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(topology.primary, 1u);
    EXPECT_FALSE(topology.expected_standby(0));
    EXPECT_FALSE(topology.expected_standby(1));
}

TEST(VerifyTopology, SplitBrainTieGoesToTheInventoryPrimary) {
    const Inventory inventory = test::verify_inventory(2);
    std::vector<HostState> states = {test::primary_state(inventory, "db1", {}),
                                     test::primary_state(inventory, "db2", {})};
    EXPECT_EQ(live_topology(inventory, live_hosts(states)).primary, 0u);
}

TEST(VerifyTopology, AForeignSystemIsNotAMember) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    // db3 runs a fresh cluster of its own (never cloned).
    states[2] = test::primary_state(inventory, "db3", {});
    states[2].server->system_identifier = "999";
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_FALSE(topology.nodes[2].member);
    EXPECT_FALSE(topology.split_brain());
    EXPECT_EQ(topology.primary, 0u);
    EXPECT_TRUE(topology.expected_standby(2));
    EXPECT_EQ(topology.nodes[2].upstream, 0u);
    EXPECT_EQ(topology.nodes[2].upstream_source, UpstreamSource::Inventory);
}

TEST(VerifyTopology, SystemIdentifierByMajorityWhenThePrimaryIsSilent) {
    const Inventory inventory = test::verify_inventory(4);
    std::vector<HostState> states = {
        unreachable(inventory, 0), test::standby_state(inventory, "db2", "db1"),
        test::standby_state(inventory, "db3", "db1"), test::primary_state(inventory, "db4", {})};
    states[3].server->system_identifier = "999";
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(topology.system_identifier, test::kSystemId);
    EXPECT_FALSE(topology.primary.has_value());
    EXPECT_FALSE(topology.nodes[3].member);
    EXPECT_FALSE(topology.expected_standby(0)) << "no live primary: db1 should be it";
    EXPECT_EQ(topology.nodes[1].upstream, 0u) << "the sender address still names db1";
}

TEST(VerifyTopology, HostsNotStreamingGetTheirExpectedUpstream) {
    Inventory inventory = test::verify_inventory(4);
    inventory.hosts[3].upstream = "db2";
    std::vector<HostState> states = {test::primary_state(inventory, "db1", {"db2"}),
                                     test::standby_state(inventory, "db2", "db1"),
                                     unreachable(inventory, 2),
                                     test::standby_state(inventory, "db4", "db2")};
    states[3].receiver.reset();
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(topology.nodes[2].upstream, 0u);
    EXPECT_EQ(topology.nodes[2].upstream_source, UpstreamSource::Inventory);
    EXPECT_EQ(topology.nodes[3].upstream, 1u);
    EXPECT_EQ(topology.nodes[3].upstream_source, UpstreamSource::Inventory);
}

TEST(VerifyTopology, UnknownSender) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[2].receiver->sender_host = "10.9.9.9";
    states[1].receiver->sender_port = 6543;  // right address, wrong port
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(topology.nodes[2].unknown_sender, "10.9.9.9:5432");
    EXPECT_FALSE(topology.nodes[2].upstream.has_value());
    EXPECT_EQ(topology.nodes[1].unknown_sender, "10.0.0.11:6543");
}

TEST(VerifyTopology, SenderByHostNameIsMatchedCaseInsensitively) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[1].receiver->sender_host = "DB1";
    states[1].receiver->sender_port.reset();
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(topology.nodes[1].upstream, 0u);
}

TEST(VerifyTopology, RootOfALoopIsNone) {
    const Inventory inventory = test::verify_inventory();
    std::vector<HostState> states = {test::standby_state(inventory, "db1", "db2"),
                                     test::standby_state(inventory, "db2", "db1"),
                                     test::standby_state(inventory, "db3", "db1")};
    const auto topology = live_topology(inventory, live_hosts(states));
    EXPECT_FALSE(topology.root_of(2).has_value());
    EXPECT_FALSE(topology.primary.has_value());
}

}  // namespace
}  // namespace pgrepl
