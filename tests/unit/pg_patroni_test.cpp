// render_patroni_config and its parts, from inventories parsed as a user writes them.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>

#include "pgrepl/inventory/load.hpp"
#include "pgrepl/pg/patroni.hpp"
#include "pgrepl/pg/sql.hpp"

namespace pgrepl {
namespace {

Inventory inventory_of(const std::string& yaml) {
    InventoryLoad load = parse_inventory(yaml, "/etc/pgrepl/shop.yaml");
    EXPECT_TRUE(load.ok()) << (load.diagnostics.empty() ? "" : load.diagnostics[0].to_string());
    return load.inventory;
}

const std::string kCluster =
    "patroni: {}\n"
    "hosts:\n"
    "  - {name: db1, address: 10.0.0.1, role: primary}\n"
    "  - {name: db2, address: 10.0.0.2, role: replica}\n"
    "  - {name: db-3, address: 10.0.0.3, role: replica, upstream: db2}\n";

const PatroniSecrets kSecrets{"rep'pass\"x", "api pass"};

TEST(PatroniConfig, ThePathIsDebiansPatroniLayout) {
    const Inventory inventory = inventory_of(kCluster);
    EXPECT_EQ(patroni_config_path(inventory.hosts[0]), "/etc/patroni/15-main.yml");
}

TEST(PatroniConfig, EtcdMembersAreTheHostsByDefaultAndAddressesGetNames) {
    EXPECT_EQ(etcd_client_endpoints(inventory_of(kCluster)),
              (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379", "10.0.0.3:2379"}));
    const Inventory listed = inventory_of(
        "patroni: {dcs: [db1, 10.0.0.8, 'fd00::9'], etcd_client_port: 3379}\n"
        "hosts: [{name: db1, address: 10.0.0.1, role: primary}]\n");
    const std::vector<EtcdMember> members = etcd_members(listed);
    ASSERT_EQ(members.size(), 3U);
    EXPECT_EQ(members[0].name, "db1");
    EXPECT_EQ(members[1].name, "etcd1");
    EXPECT_EQ(members[2].name, "etcd2");
    EXPECT_EQ(etcd_client_endpoints(listed),
              (std::vector<std::string>{"10.0.0.1:3379", "10.0.0.8:3379", "[fd00::9]:3379"}));
}

TEST(PatroniConfig, NamesTheMemberSoThatPatronisSlotIsPgreplsSlot) {
    const Inventory inventory = inventory_of(kCluster);
    const YAML::Node config =
        YAML::Load(render_patroni_config(inventory, inventory.hosts[2], kSecrets));
    EXPECT_EQ(config["name"].as<std::string>(), "db-3");
    // Patroni's slot_name_from_member_name lower-cases and turns '-' and '.' into '_'.
    EXPECT_EQ(slot_name_for("db-3"), "db_3");
    EXPECT_EQ(config["tags"]["replicatefrom"].as<std::string>(), "db2");
    EXPECT_TRUE(config["bootstrap"]["dcs"]["postgresql"]["use_slots"].as<bool>());
}

TEST(PatroniConfig, DescribesTheDebianClusterAndItsUsers) {
    const Inventory inventory = inventory_of(kCluster);
    const std::string text = render_patroni_config(inventory, inventory.hosts[0], kSecrets);
    EXPECT_EQ(text.rfind("# Managed by pgrepl", 0), 0U) << text;
    const YAML::Node config = YAML::Load(text);
    EXPECT_EQ(config["scope"].as<std::string>(), "shop");
    EXPECT_EQ(config["restapi"]["listen"].as<std::string>(), "10.0.0.1:8008");
    EXPECT_EQ(config["restapi"]["authentication"]["username"].as<std::string>(), "patroni");
    EXPECT_EQ(config["restapi"]["authentication"]["password"].as<std::string>(), "api pass");
    EXPECT_EQ(config["etcd3"]["hosts"].size(), 3U);
    const YAML::Node dcs = config["bootstrap"]["dcs"];
    EXPECT_EQ(dcs["ttl"].as<int>(), 30);
    EXPECT_EQ(dcs["loop_wait"].as<int>(), 10);
    EXPECT_EQ(dcs["retry_timeout"].as<int>(), 10);
    EXPECT_EQ(dcs["maximum_lag_on_failover"].as<int>(), 1048576);
    EXPECT_TRUE(dcs["postgresql"]["use_pg_rewind"].as<bool>());
    const YAML::Node pg = config["postgresql"];
    EXPECT_EQ(pg["listen"].as<std::string>(), "*:5432");
    EXPECT_EQ(pg["connect_address"].as<std::string>(), "10.0.0.1:5432");
    EXPECT_EQ(pg["data_dir"].as<std::string>(), "/var/lib/postgresql/15/main");
    EXPECT_EQ(pg["config_dir"].as<std::string>(), "/etc/postgresql/15/main");
    EXPECT_EQ(pg["bin_dir"].as<std::string>(), "/usr/lib/postgresql/15/bin");
    EXPECT_TRUE(pg["use_unix_socket"].as<bool>());
    EXPECT_FALSE(pg["pg_hba"].IsDefined()) << "Patroni would rewrite pgrepl's pg_hba.conf";
    const YAML::Node auth = pg["authentication"];
    EXPECT_EQ(auth["superuser"]["username"].as<std::string>(), "postgres");
    EXPECT_EQ(auth["superuser"]["password"].as<std::string>(), "");
    EXPECT_EQ(auth["replication"]["username"].as<std::string>(), "replicator");
    EXPECT_EQ(auth["replication"]["password"].as<std::string>(), "rep'pass\"x");
    EXPECT_EQ(auth["rewind"]["username"].as<std::string>(), "pgrepl_rewind");
    EXPECT_FALSE(pg["recovery_conf"].IsDefined());
    EXPECT_FALSE(config["tags"].IsDefined());
}

TEST(PatroniConfig, CarriesPgreplsCommandLineParametersIntoTheDynamicConfiguration) {
    const Inventory inventory = inventory_of(
        "postgres:\n  port: 5433\n  cluster_name: shop\n"
        "  settings: {max_connections: 250, shared_buffers: 256MB, listen_addresses: "
        "'10.0.0.1,localhost'}\n" +
        kCluster);
    const Host& primary = inventory.hosts[0];
    const auto parameters = patroni_command_line_parameters(inventory, primary);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"wal_level", "replica"}, {"max_connections", "250"},      {"max_wal_senders", "10"},
        {"wal_keep_size", "1GB"}, {"max_replication_slots", "10"},
    };
    EXPECT_EQ(parameters, expected);
    const YAML::Node config = YAML::Load(render_patroni_config(inventory, primary, kSecrets));
    EXPECT_EQ(
        config["bootstrap"]["dcs"]["postgresql"]["parameters"]["max_connections"].as<std::string>(),
        "250");
    EXPECT_FALSE(
        config["bootstrap"]["dcs"]["postgresql"]["parameters"]["shared_buffers"].IsDefined())
        << "a restart-only setting Patroni does not put on the command line stays in conf.d";
    EXPECT_EQ(config["postgresql"]["listen"].as<std::string>(), "10.0.0.1,localhost:5433");
    EXPECT_EQ(config["postgresql"]["connect_address"].as<std::string>(), "10.0.0.1:5433");
    EXPECT_EQ(patroni_config_path(primary), "/etc/patroni/15-shop.yml");
    EXPECT_EQ(config["postgresql"]["pgpass"].as<std::string>(),
              "/var/lib/postgresql/15-shop.pgpass");
}

TEST(PatroniConfig, AnArchivingClusterRestoresThroughPatronisRecoveryConf) {
    const Inventory inventory =
        inventory_of("replication:\n  archive: {method: pgbackrest, stanza: shop}\n" + kCluster);
    const YAML::Node config =
        YAML::Load(render_patroni_config(inventory, inventory.hosts[1], kSecrets));
    EXPECT_EQ(config["postgresql"]["recovery_conf"]["restore_command"].as<std::string>(),
              "pgbackrest --stanza=shop archive-get %f \"%p\"");
}

TEST(PatroniConfig, WithoutAPatroniSectionItIsABug) {
    const Inventory inventory =
        inventory_of("hosts: [{name: db1, address: 10.0.0.1, role: primary}]\n");
    EXPECT_THROW(etcd_members(inventory), std::logic_error);
    EXPECT_THROW(render_patroni_config(inventory, inventory.hosts[0], kSecrets), std::logic_error);
}

}  // namespace
}  // namespace pgrepl

namespace pgrepl {
namespace {

TEST(EtcdConfig, AMembersFileNamesEveryPeerAndServesTheV3GatewayPatroniUses) {
    const Inventory inventory = inventory_of(
        "cluster: shop\npatroni: {etcd_peer_port: 3380}\n"
        "hosts:\n"
        "  - {name: db1, address: 10.0.0.1, role: primary}\n"
        "  - {name: db2, address: 10.0.0.2, role: replica}\n"
        "  - {name: db3, address: 'fd00::3', role: replica}\n");
    const auto member = etcd_member_of(inventory, inventory.hosts[2]);
    ASSERT_TRUE(member);
    const std::string text = render_etcd_config(inventory, *member, "fd00::3");
    EXPECT_EQ(text.rfind("# Managed by pgrepl (handoff patroni): the etcd member db3 of Patroni's "
                         "scope shop.\n",
                         0),
              0U)
        << text;
    const YAML::Node config = YAML::Load(text);
    EXPECT_EQ(config["name"].as<std::string>(), "db3");
    EXPECT_EQ(config["data-dir"].as<std::string>(), "/var/lib/etcd/shop");
    EXPECT_EQ(config["listen-peer-urls"].as<std::string>(), "http://[fd00::3]:3380");
    EXPECT_EQ(config["listen-client-urls"].as<std::string>(),
              "http://[fd00::3]:2379,http://127.0.0.1:2379");
    EXPECT_EQ(config["advertise-client-urls"].as<std::string>(), "http://[fd00::3]:2379");
    EXPECT_EQ(config["initial-cluster"].as<std::string>(),
              "db1=http://10.0.0.1:3380,db2=http://10.0.0.2:3380,db3=http://[fd00::3]:3380");
    EXPECT_EQ(config["initial-cluster-token"].as<std::string>(), "shop");
    EXPECT_EQ(config["initial-cluster-state"].as<std::string>(), "new");
    // A configuration file turns the gRPC gateway off by default; Patroni's etcd3 needs it.
    EXPECT_TRUE(config["enable-grpc-gateway"].as<bool>());
    EXPECT_EQ(etcdctl_endpoints(inventory),
              "http://10.0.0.1:2379,http://10.0.0.2:2379,http://[fd00::3]:2379");
}

TEST(PatroniConfig, RestAndEtcdHealthUrlsBracketAnIpv6Address) {
    const Inventory inventory = inventory_of(
        "patroni: {restapi_port: 8018, allow_fewer_dcs_members: true}\n"
        "hosts: [{name: db1, address: 'fd00::1', role: primary}]\n");
    EXPECT_EQ(patroni_rest_url(inventory, inventory.hosts[0], "primary"),
              "http://[fd00::1]:8018/primary");
    EXPECT_EQ(etcd_health_url(inventory, etcd_members(inventory)[0]),
              "http://[fd00::1]:2379/health");
}

TEST(EtcdConfig, AHostOutsideTheDcsListIsNoMember) {
    const Inventory inventory = inventory_of(
        "patroni: {dcs: [db1, 10.0.0.8, 10.0.0.9], allow_fewer_dcs_members: false}\n"
        "hosts:\n"
        "  - {name: db1, address: 10.0.0.1, role: primary}\n"
        "  - {name: db2, address: 10.0.0.2, role: replica}\n");
    EXPECT_TRUE(etcd_member_of(inventory, inventory.hosts[0]));
    EXPECT_FALSE(etcd_member_of(inventory, inventory.hosts[1]));
    EXPECT_EQ(etcd_data_dir(inventory), "/var/lib/etcd/" + inventory.patroni->scope);
}

}  // namespace
}  // namespace pgrepl
