// The one upstream rule (match_upstream) and the live topology's upstreams, and verify and
// promote agreeing on them.
#include <gtest/gtest.h>

#include "pgrepl/engine/live_topology.hpp"
#include "pgrepl/handover/topology.hpp"
#include "promote_test_util.hpp"
#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

using Match = std::optional<std::size_t>;

/// db1 10.0.0.11, db2 db2.lab (a host name), db3 fd00::13 (IPv6), db4 10.0.0.14 port 5433.
Inventory lab() {
    Inventory inventory = test::verify_inventory(4);
    inventory.hosts[1].address = "db2.lab";
    inventory.hosts[2].address = "fd00::13";
    inventory.hosts[3].postgres.port = 5433;
    return inventory;
}

TEST(MatchUpstream, ByIpAddressAndDefaultPort) {
    const Inventory inventory = lab();
    EXPECT_EQ(match_upstream(inventory, {"10.0.0.11", std::nullopt}), Match(0));
    EXPECT_EQ(match_upstream(inventory, {"10.0.0.11", 5432}), Match(0));
    EXPECT_EQ(match_upstream(inventory, {"10.0.0.99", 5432}), std::nullopt);
    EXPECT_EQ(match_upstream(inventory, {"", 5432}), std::nullopt);
}

TEST(MatchUpstream, ByHostNameAddressCaseInsensitively) {
    const Inventory inventory = lab();
    EXPECT_EQ(match_upstream(inventory, {"db2.lab", 5432}), Match(1));
    EXPECT_EQ(match_upstream(inventory, {"DB2.Lab", 5432}), Match(1));
    EXPECT_EQ(match_upstream(inventory, {"db2.lab.", 5432}), Match(1)) << "trailing dot";
    // No DNS: an address does not match a host name, nor a name an address.
    EXPECT_EQ(match_upstream(inventory, {"10.0.0.12", 5432}), std::nullopt);
}

TEST(MatchUpstream, ByInventoryNameCaseInsensitively) {
    const Inventory inventory = lab();
    EXPECT_EQ(match_upstream(inventory, {"db1", 5432}), Match(0));
    EXPECT_EQ(match_upstream(inventory, {"DB1", std::nullopt}), Match(0));
    EXPECT_EQ(match_upstream(inventory, {"db2", 5432}), Match(1));
}

TEST(MatchUpstream, IPv6SpellingsAgree) {
    const Inventory inventory = lab();
    EXPECT_EQ(match_upstream(inventory, {"fd00::13", 5432}), Match(2));
    EXPECT_EQ(match_upstream(inventory, {"FD00:0:0:0:0:0:0:13", 5432}), Match(2));
    EXPECT_EQ(match_upstream(inventory, {"fd00:0000::0013", 5432}), Match(2));
    EXPECT_EQ(match_upstream(inventory, {"fd00::14", 5432}), std::nullopt);
}

TEST(MatchUpstream, ThePortMustBeTheInventoryPort) {
    const Inventory inventory = lab();
    EXPECT_EQ(match_upstream(inventory, {"10.0.0.11", 5433}), std::nullopt);
    EXPECT_EQ(match_upstream(inventory, {"db1", 6543}), std::nullopt);
    EXPECT_EQ(match_upstream(inventory, {"10.0.0.14", 5433}), Match(3));
    EXPECT_EQ(match_upstream(inventory, {"10.0.0.14", std::nullopt}), std::nullopt)
        << "no port is 5432, not db4's 5433";
}

TEST(MatchUpstream, AddressBeforeName) {
    Inventory inventory = lab();
    inventory.hosts[3].address = "db1";  // a machine whose DNS name is another host's name
    inventory.hosts[3].postgres.port = 5432;
    EXPECT_EQ(match_upstream(inventory, {"db1", 5432}), Match(3));
}

TEST(MatchUpstream, AmbiguityMatchesNone) {
    Inventory inventory = lab();
    inventory.hosts[3].address = "10.0.0.11";
    inventory.hosts[3].postgres.port = 5432;
    EXPECT_EQ(match_upstream(inventory, {"10.0.0.11", 5432}), std::nullopt);
    EXPECT_EQ(match_upstream(inventory, {"db1", 5432}), Match(0)) << "the name is not ambiguous";
    inventory.hosts[3].address = "10.0.0.14";
    inventory.hosts[3].name = "DB1";
    EXPECT_EQ(match_upstream(inventory, {"db1", 5432}), std::nullopt);
}

TEST(LiveTopologyUpstreams, LiveConfiguredAndInventoryUpstreams) {
    Inventory inventory = test::verify_inventory(4);
    inventory.hosts[3].upstream = "db2";
    auto states = test::healthy_states(inventory);
    states.push_back(test::standby_state(inventory, "db4", "db3"));
    auto hosts = live_hosts(states);
    hosts[1].server->configured_upstream = {"10.0.0.11", 5432};
    hosts[3].server->configured_upstream = {"DB3", std::nullopt};
    hosts[2].server->configured_upstream = {"10.0.0.13", 5432};  // itself: none
    const auto topology = live_topology(inventory, hosts);
    EXPECT_EQ(topology.nodes[3].live_upstream, Match(2));
    EXPECT_EQ(topology.nodes[3].configured_upstream, Match(2));
    EXPECT_EQ(topology.nodes[3].inventory_upstream, Match(1));
    EXPECT_EQ(topology.nodes[2].configured_upstream, std::nullopt);
    EXPECT_EQ(topology.nodes[0].inventory_upstream, std::nullopt);
    EXPECT_EQ(topology.configured_upstreams(),
              (std::vector<Match>{std::nullopt, Match(0), Match(0), Match(2)}));
}

// The case they used to disagree on: db3's primary_conninfo (and so its WAL receiver's sender)
// names db2 by its DNS name in capitals. verify matched names case-insensitively (db2), promote
// case-sensitively (no match: the inventory's db1). Both now read the one rule: db2.
TEST(LiveTopologyUpstreams, VerifyAndPromoteAgreeOnAHostNameInCapitals) {
    Inventory inventory = test::verify_inventory();
    inventory.hosts[1].address = "db2.lab";
    auto states = test::healthy_states(inventory);
    states[2].receiver->sender_host = "DB2.LAB";
    const auto verify_view = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(verify_view.nodes[2].upstream, Match(1));
    EXPECT_EQ(verify_view.nodes[2].upstream_source, UpstreamSource::Live);

    const std::vector<HandoverHostState> promote_states{
        promote_test::down("db1"), promote_test::standby("db2", "0/1", "10.0.0.11"),
        promote_test::standby("db3", "0/1", "DB2.LAB")};
    EXPECT_EQ(configured_upstream(inventory, promote_states[2]), Match(1));
    EXPECT_EQ(current_upstreams(inventory, promote_states),
              (std::vector<Match>{std::nullopt, Match(0), Match(1)}));
}

// Another: the sender gives no port while the inventory's db2 listens on 5433. verify took any
// port, promote too; both now take libpq's default, 5432, and agree that it is not db2.
TEST(LiveTopologyUpstreams, VerifyAndPromoteAgreeOnADefaultPort) {
    Inventory inventory = test::verify_inventory();
    inventory.hosts[1].postgres.port = 5433;
    auto states = test::healthy_states(inventory);
    states[2].receiver->sender_host = "10.0.0.12";
    states[2].receiver->sender_port.reset();
    const auto verify_view = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(verify_view.nodes[2].upstream, std::nullopt);
    EXPECT_EQ(verify_view.nodes[2].unknown_sender, "10.0.0.12");

    auto db3 = promote_test::standby("db3", "0/1", "10.0.0.12");
    db3.server->configured_upstream.port.reset();
    EXPECT_EQ(configured_upstream(inventory, db3), std::nullopt);
}

TEST(LiveTopologyUpstreams, AStoppedStandbysConfigurationStillCounts) {
    const Inventory inventory = promote_test::cascading();
    auto db4 = promote_test::stopped("db4", true);
    db4.recovery_conf_upstream = Endpoint{"10.0.0.13", std::nullopt};  // before 12
    const auto up = current_upstreams(
        inventory, {promote_test::down("db1"), promote_test::standby("db2", "0/1"),
                    promote_test::standby("db3", "0/1"), db4});
    EXPECT_EQ(up[3], Match(2));
}

}  // namespace
}  // namespace pgrepl
