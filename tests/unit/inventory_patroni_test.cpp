// The inventory's `patroni:` section: defaults, every key, and each refusal with its position.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inventory_test_util.hpp"
#include "pgrepl/inventory/load.hpp"

namespace pgrepl {
namespace {

using inventory_test::all_messages;
using inventory_test::BadCase;
using inventory_test::InventoryBad;

const std::string kThreeHosts =
    "hosts:\n"
    "  - {name: db1, address: 10.0.0.1, role: primary}\n"
    "  - {name: db2, address: 10.0.0.2, role: replica}\n"
    "  - {name: db-3, address: 10.0.0.3, role: replica}\n";

const std::string kTwoHosts =
    "hosts:\n"
    "  - {name: db1, address: 10.0.0.1, role: primary}\n"
    "  - {name: db2, address: 10.0.0.2, role: replica}\n";

TEST(InventoryPatroni, AbsentSectionMeansNoPatroni) {
    const InventoryLoad load = parse_inventory(kThreeHosts, "/etc/pgrepl/shop.yaml");
    ASSERT_TRUE(load.ok()) << all_messages(load);
    EXPECT_FALSE(load.inventory.patroni.has_value());
}

TEST(InventoryPatroni, AnEmptySectionTakesPatronisDefaultsAndEveryHostAsMember) {
    const InventoryLoad load = parse_inventory("patroni: {}\n" + kThreeHosts, "/x/shop.yaml");
    ASSERT_TRUE(load.ok()) << all_messages(load);
    ASSERT_TRUE(load.inventory.patroni.has_value());
    const PatroniOptions& patroni = *load.inventory.patroni;
    EXPECT_EQ(patroni.scope, "shop");
    EXPECT_EQ(patroni.dcs, (std::vector<std::string>{"db1", "db2", "db-3"}));
    EXPECT_EQ(patroni.quorum, DcsQuorum::AtLeastThree);
    EXPECT_EQ(patroni.etcd_client_port, 2379);
    EXPECT_EQ(patroni.etcd_peer_port, 2380);
    EXPECT_EQ(patroni.ttl, 30);
    EXPECT_EQ(patroni.loop_wait, 10);
    EXPECT_EQ(patroni.retry_timeout, 10);
    EXPECT_EQ(patroni.maximum_lag_on_failover, 1048576);
    EXPECT_EQ(patroni.restapi_port, 8008);
    EXPECT_EQ(patroni.restapi_user, "patroni");
    EXPECT_EQ(patroni.password_env, "PGREPL_PATRONI_PASSWORD");
    EXPECT_FALSE(patroni.password_file.has_value());
}

TEST(InventoryPatroni, EveryKeyIsRead) {
    const InventoryLoad load = parse_inventory(
        "cluster: shop\n"
        "patroni:\n"
        "  scope: shop-ha\n"
        "  dcs: [db1, db2, 10.0.0.9]\n"
        "  etcd_client_port: 12379\n"
        "  etcd_peer_port: 12380\n"
        "  ttl: 40\n"
        "  loop_wait: 5\n"
        "  retry_timeout: 15\n"
        "  maximum_lag_on_failover: 0\n"
        "  restapi_port: 18008\n"
        "  restapi_user: ha_admin\n"
        "  password_file: /etc/pgrepl/patroni.pass\n" +
            kThreeHosts,
        "/x/inventory.yaml");
    ASSERT_TRUE(load.ok()) << all_messages(load);
    const PatroniOptions& patroni = *load.inventory.patroni;
    EXPECT_EQ(patroni.scope, "shop-ha");
    EXPECT_EQ(patroni.dcs, (std::vector<std::string>{"db1", "db2", "10.0.0.9"}));
    EXPECT_EQ(patroni.etcd_client_port, 12379);
    EXPECT_EQ(patroni.etcd_peer_port, 12380);
    EXPECT_EQ(patroni.ttl, 40);
    EXPECT_EQ(patroni.loop_wait, 5);
    EXPECT_EQ(patroni.retry_timeout, 15);
    EXPECT_EQ(patroni.maximum_lag_on_failover, 0);
    EXPECT_EQ(patroni.restapi_port, 18008);
    EXPECT_EQ(patroni.restapi_user, "ha_admin");
    EXPECT_EQ(patroni.password_file, "/etc/pgrepl/patroni.pass");
    EXPECT_FALSE(patroni.password_env.has_value());
}

TEST(InventoryPatroni, TwoMembersOnlyWithTheExplicitOptIn) {
    const InventoryLoad load =
        parse_inventory("patroni: {allow_fewer_dcs_members: true}\n" + kTwoHosts, "/x/a.yaml");
    ASSERT_TRUE(load.ok()) << all_messages(load);
    EXPECT_EQ(load.inventory.patroni->quorum, DcsQuorum::FewerAllowed);
    EXPECT_EQ(load.inventory.patroni->dcs.size(), 2U);
}

TEST(InventoryPatroni, TheResolvedInventoryShowsItAndReadsBackTheSame) {
    const InventoryLoad load = parse_inventory(
        "patroni: {dcs: [db1, db2, 10.0.0.9], ttl: 45, password_file: /p}\n" + kThreeHosts,
        "/x/shop.yaml");
    ASSERT_TRUE(load.ok()) << all_messages(load);
    const std::string rendered = render_inventory(load.inventory);
    EXPECT_NE(rendered.find("patroni:\n  scope: shop\n  dcs: [db1, db2, 10.0.0.9]\n"),
              std::string::npos)
        << rendered;
    const InventoryLoad again = parse_inventory(rendered, "/x/shop.yaml");
    ASSERT_TRUE(again.ok()) << all_messages(again) << rendered;
    inventory_test::expect_same_inventory(load.inventory, again.inventory);
    EXPECT_EQ(render_inventory(again.inventory), rendered);
}

std::vector<BadCase> patroni_cases() {
    return {
        {"TwoHostsWithoutOptIn",
         "patroni: {}\n" + kTwoHosts,
         {{1, 1,
           "patroni needs at least 3 etcd members, the inventory has 2 hosts (list 3 in "
           "patroni.dcs, or set patroni.allow_fewer_dcs_members: true and accept that the loss "
           "of any member stops automatic failover)"}}},
        {"DcsListsTwo",
         "patroni:\n  dcs: [db1, db2]\n" + kThreeHosts,
         {{2, 8,
           "patroni needs at least 3 etcd members, patroni.dcs lists 2 (list 3 in patroni.dcs, "
           "or set patroni.allow_fewer_dcs_members: true and accept that the loss of any "
           "member stops automatic failover)"}}},
        {"DcsNotAList",
         "patroni:\n  dcs: db1\n" + kThreeHosts,
         {{2, 8,
           "patroni.dcs must be a non-empty list of host names or addresses, not a "
           "scalar"}}},
        {"DcsBadAddress",
         "patroni:\n  dcs: [db1, db2, 'bad host']\n" + kThreeHosts,
         {{2, 19,
           "patroni.dcs entry 3 'bad host' is not a host of this inventory and is not an IP "
           "address or a host name (RFC 1123: letters, digits, '-' and '.')"}}},
        {"DcsRepeatsAHostByItsAddress",
         "patroni:\n  dcs: [db1, db2, 10.0.0.2]\n" + kThreeHosts,
         {{2, 19, "patroni.dcs entry 3 '10.0.0.2' names an etcd member already listed"}}},
        {"TtlTooShortForTheRetries",
         "patroni:\n  ttl: 25\n" + kThreeHosts,
         {{2, 8,
           "patroni.ttl 25 is less than loop_wait + 2 * retry_timeout (30): a leader could lose "
           "its key while it still retries"}}},
        {"TtlBelowPatronisMinimum",
         "patroni:\n  ttl: 10\n" + kThreeHosts,
         {{2, 8, "patroni.ttl 10 is out of range (20 to 86400)"}}},
        {"RestApiOnThePostgresPort",
         "patroni:\n  restapi_port: 5432\n" + kThreeHosts,
         {{2, 17, "patroni.restapi_port 5432 is host 'db1' PostgreSQL port"}}},
        {"EtcdPortsEqual",
         "patroni:\n  etcd_client_port: 2380\n" + kThreeHosts,
         {{1, 1, "patroni.etcd_peer_port 2380 is also patroni.etcd_client_port"}}},
        {"BothPasswordSources",
         "patroni:\n  password_env: A\n  password_file: /p\n" + kThreeHosts,
         {{3, 3,
           "patroni.password_env and patroni.password_file are both set (give exactly one)"}}},
        {"ScopeInvalid",
         "patroni:\n  scope: 'my scope'\n" + kThreeHosts,
         {{2, 10,
           "patroni.scope 'my scope' is not a valid scope (letters, digits, '_', '.' and '-', "
           "starting with a letter or digit; at most 63 characters)"}}},
        {"UnknownKey",
         "patroni:\n  loopwait: 5\n" + kThreeHosts,
         {{2, 3, "unknown key 'loopwait' in patroni (did you mean 'loop_wait'?)"}}},
    };
}

INSTANTIATE_TEST_SUITE_P(InventoryPatroniBad, InventoryBad, ::testing::ValuesIn(patroni_cases()),
                         inventory_test::bad_case_name);

}  // namespace
}  // namespace pgrepl
