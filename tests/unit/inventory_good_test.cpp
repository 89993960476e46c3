// Valid inventories: resolution of defaults and overrides, rendering and round trips.
#include <gtest/gtest.h>

#include "inventory_test_util.hpp"
#include "pgrepl/inventory/load.hpp"

namespace pgrepl {
namespace {

using inventory_test::all_messages;
using inventory_test::data_path;
using inventory_test::expect_same_inventory;

InventoryLoad load_ok(const std::string& name) {
    InventoryLoad load = load_inventory(data_path(name));
    EXPECT_TRUE(load.ok()) << all_messages(load);
    return load;
}

/// parse(render(parse(x))) == parse(x), and rendering is a fixed point.
void expect_round_trip(const Inventory& inventory) {
    const std::string rendered = render_inventory(inventory);
    const InventoryLoad again = parse_inventory(rendered, "rendered.yaml");
    ASSERT_TRUE(again.ok()) << all_messages(again) << rendered;
    expect_same_inventory(inventory, again.inventory);
    EXPECT_EQ(render_inventory(again.inventory), rendered);
    EXPECT_EQ(render_inventory(inventory), rendered);  // deterministic
}

TEST(InventoryGood, MinimalFillsDefaults) {
    const InventoryLoad load = load_ok("minimal.yaml");
    const Inventory& inv = load.inventory;
    EXPECT_EQ(inv.cluster, "minimal");  // the file's stem
    EXPECT_EQ(inv.postgres.version, (PgVersion{15, 0}));
    EXPECT_EQ(inv.postgres.cluster_name, "main");
    EXPECT_EQ(inv.postgres.port, 5432);
    EXPECT_TRUE(inv.postgres.settings.empty());
    EXPECT_EQ(inv.replication.user, "replicator");
    EXPECT_EQ(inv.replication.rewind_user, "pgrepl_rewind");
    EXPECT_EQ(inv.replication.password_env, "PGREPL_REPLICATION_PASSWORD");
    EXPECT_FALSE(inv.replication.password_file);
    EXPECT_TRUE(inv.replication.slots);
    EXPECT_EQ(inv.replication.archive.method, ArchiveMethod::None);
    EXPECT_EQ(inv.ssh.user, "root");
    EXPECT_EQ(inv.ssh.port, 22);
    EXPECT_FALSE(inv.ssh.identity_file);
    EXPECT_EQ(inv.ssh.known_hosts, "~/.ssh/known_hosts");
    EXPECT_EQ(inv.ssh.host_key_checking, HostKeyChecking::Strict);
    EXPECT_EQ(inv.ssh.become, Become::Auto);
    EXPECT_EQ(inv.ssh.connect_timeout, 10);
    EXPECT_TRUE(inv.access.empty());
    ASSERT_EQ(inv.hosts.size(), 2U);
    EXPECT_EQ(inv.primary().name, "db1");
    EXPECT_EQ(inv.hosts[1].role, Role::Replica);
    EXPECT_TRUE(inv.hosts[1].ssh == inv.ssh);
    EXPECT_TRUE(inv.hosts[1].postgres == inv.postgres);
    EXPECT_EQ(inv.hosts[0].mark.line, 2);
    EXPECT_EQ(inv.hosts[0].mark.column, 5);
    EXPECT_EQ(inv.hosts[1].role_mark.line, 7);
    EXPECT_EQ(inv.hosts[1].role_mark.column, 11);
    expect_round_trip(inv);
}

TEST(InventoryGood, FullReadsEveryKey) {
    const InventoryLoad load = load_ok("full.yaml");
    const Inventory& inv = load.inventory;
    EXPECT_EQ(inv.cluster, "app");
    EXPECT_EQ(inv.postgres.version, (PgVersion{9, 6}));
    EXPECT_EQ(inv.postgres.version.to_string(), "9.6");
    EXPECT_EQ(inv.postgres.version.number(), 906);
    EXPECT_EQ(inv.postgres.port, 5433);
    const std::vector<std::pair<std::string, std::string>> settings{{"shared_buffers", "256MB"},
                                                                    {"log_line_prefix", "%m [%p] "},
                                                                    {"log_connections", "on"},
                                                                    {"max_wal_senders", "10"},
                                                                    {"application_name", ""}};
    EXPECT_EQ(inv.postgres.settings, settings);
    EXPECT_FALSE(inv.replication.password_env);
    EXPECT_EQ(inv.replication.password_file, "/etc/pgrepl/replication.pass");
    EXPECT_EQ(inv.replication.rewind_user, "app_rewind");
    EXPECT_FALSE(inv.replication.slots);
    EXPECT_EQ(inv.replication.archive.method, ArchiveMethod::Ssh);
    EXPECT_EQ(inv.replication.archive.timeout, 120);
    EXPECT_EQ(inv.replication.archive.host, "backup.example.com");
    EXPECT_EQ(inv.replication.archive.path, "/srv/wal-archive/app");
    EXPECT_EQ(inv.ssh.user, "deploy");
    EXPECT_EQ(inv.ssh.port, 2200);
    EXPECT_EQ(inv.ssh.identity_file, "~/.ssh/id_ed25519");  // kept as written
    EXPECT_EQ(inv.ssh.known_hosts, "/etc/pgrepl/known_hosts");
    EXPECT_EQ(inv.ssh.host_key_checking, HostKeyChecking::AcceptNew);
    EXPECT_EQ(inv.ssh.become, Become::Never);
    EXPECT_EQ(inv.ssh.connect_timeout, 30);
    ASSERT_EQ(inv.access.size(), 4U);
    EXPECT_EQ(inv.access[0].address, "10.0.0.0/24");
    EXPECT_EQ(inv.access[1].type, "hostssl");
    EXPECT_EQ(inv.access[1].database, "app,reports");
    EXPECT_EQ(inv.access[1].user, "+readers");
    EXPECT_EQ(inv.access[1].method, "cert");
    EXPECT_EQ(inv.access[2].type, "local");
    EXPECT_EQ(inv.access[2].address, "");
    EXPECT_EQ(inv.access[3].database, "all");
    EXPECT_EQ(inv.access[3].method, "reject");
    EXPECT_EQ(inv.hosts[1].address, "fd00::12");
    EXPECT_EQ(inv.hosts[1].ssh.port, 2200);
    expect_round_trip(inv);
}

TEST(InventoryGood, CascadingUpstreams) {
    const InventoryLoad load = load_ok("cascading.yaml");
    const Inventory& inv = load.inventory;
    EXPECT_EQ(inv.postgres.version.to_string(), "16");
    EXPECT_EQ(inv.replication.archive.method, ArchiveMethod::Command);
    EXPECT_EQ(inv.replication.archive.restore_command, "cp /mnt/archive/%f \"%p\"");
    const Host* db2 = inv.find_host("db2");
    const Host* db4 = inv.find_host("db4");
    ASSERT_NE(db2, nullptr);
    ASSERT_NE(db4, nullptr);
    EXPECT_EQ(inv.find_host("db9"), nullptr);
    EXPECT_EQ(inv.index_of("db1"), std::optional<std::size_t>(0));
    EXPECT_EQ(inv.index_of("db4"), std::optional<std::size_t>(3));
    EXPECT_EQ(inv.index_of("db9"), std::nullopt);
    EXPECT_EQ(inv.upstream_of(*db2).name, "db1");
    EXPECT_EQ(inv.upstream_of(*db4).name, "db3");
    EXPECT_EQ(inv.upstream_of(*inv.find_host("db3")).name, "db2");
    expect_round_trip(inv);
}

TEST(InventoryGood, PerHostOverridesAreMerged) {
    const InventoryLoad load = load_ok("overrides.yaml");
    const Inventory& inv = load.inventory;
    EXPECT_EQ(inv.replication.password_env, "APP_REPL_PASSWORD");
    EXPECT_EQ(inv.replication.archive.method, ArchiveMethod::PgBackRest);
    EXPECT_EQ(inv.replication.archive.stanza, "app-main");
    const Host& db1 = inv.hosts[0];
    EXPECT_EQ(db1.ssh.port, 2201);
    EXPECT_EQ(db1.ssh.user, "admin");  // inherited
    EXPECT_EQ(db1.ssh.identity_file, "~/.ssh/admin_key");
    EXPECT_EQ(db1.postgres.port, 5441);
    EXPECT_EQ(db1.postgres.cluster_name, "main");
    const Host& db2 = inv.hosts[1];
    EXPECT_EQ(db2.ssh.port, 2202);
    EXPECT_EQ(db2.ssh.user, "postgres-admin");
    EXPECT_EQ(db2.ssh.become, Become::Never);
    EXPECT_EQ(db2.ssh.identity_file, "~/.ssh/admin_key");
    EXPECT_EQ(db2.postgres.port, 5442);
    EXPECT_EQ(db2.postgres.cluster_name, "replica_2");
    const std::vector<std::pair<std::string, std::string>> merged{
        {"work_mem", "16MB"}, {"maintenance_work_mem", "64MB"}, {"hot_standby_feedback", "on"}};
    EXPECT_EQ(db2.postgres.settings, merged);
    EXPECT_EQ(inv.postgres.settings.size(), 2U);  // cluster-wide block untouched
    EXPECT_EQ(inv.ssh.port, 22);
    expect_round_trip(inv);
}

TEST(InventoryGood, ExampleConfigValidates) {
    const std::string path =
        std::string(PGREPL_TEST_DATA) + "/../../../configs/inventory.example.yaml";
    const InventoryLoad load = load_inventory(path);
    ASSERT_TRUE(load.ok()) << all_messages(load);
    EXPECT_GE(load.inventory.hosts.size(), 2U);
    expect_round_trip(load.inventory);
}

TEST(InventoryGood, RenderShowsNoSecretAndEveryDefault) {
    const InventoryLoad load = load_ok("minimal.yaml");
    const std::string rendered = render_inventory(load.inventory);
    EXPECT_NE(rendered.find("password_env: PGREPL_REPLICATION_PASSWORD"), std::string::npos);
    EXPECT_NE(rendered.find("known_hosts: ~/.ssh/known_hosts"), std::string::npos);
    EXPECT_NE(rendered.find("host_key_checking: strict"), std::string::npos);
    EXPECT_NE(rendered.find("method: none"), std::string::npos);
    EXPECT_NE(rendered.find("settings: {}"), std::string::npos);
    EXPECT_NE(rendered.find("access: []"), std::string::npos);
}

TEST(InventoryGood, AwkwardSettingValuesRoundTrip) {
    const std::string yaml = R"(postgres:
  settings:
    a: "null"
    b: "~"
    c: ""
    d: "# not a comment"
    e: "it's"
    f: "x: y"
    g: " padded "
    h: "tab	inside"
hosts:
  - { name: db1, address: 10.0.0.1, role: primary }
)";
    const InventoryLoad load = parse_inventory(yaml, "awkward.yaml");
    ASSERT_TRUE(load.ok()) << all_messages(load);
    EXPECT_EQ(load.inventory.postgres.settings[0].second, "null");
    EXPECT_EQ(load.inventory.postgres.settings[6].second, " padded ");
    expect_round_trip(load.inventory);
}

TEST(InventoryGood, SocketDirectoriesThatKeepTheDefaultSocket) {
    for (const char* value :
         {"/var/run/postgresql", "'/var/run/postgresql, /tmp'", "\"/tmp, /run/postgresql/\""}) {
        const std::string yaml =
            std::string("postgres:\n  settings:\n    unix_socket_directories: ") + value +
            "\nhosts: [{name: db1, address: 10.0.0.1, role: primary}]\n";
        const InventoryLoad load = parse_inventory(yaml, "inventory.yaml");
        EXPECT_TRUE(load.ok()) << value << ": " << all_messages(load);
    }
}

TEST(InventoryGood, ScalarFormsAndLabels) {
    const std::string yaml = R"(cluster: Prod.EU-1
postgres: { version: "9.6", port: "6543" }
replication: { slots: True }
ssh:
hosts:
  - { name: db1, address: DB1.Example.COM., role: primary }
  - { name: db-2_b, address: "::1", role: replica, upstream: db1 }
)";
    const InventoryLoad load = parse_inventory(yaml, "/tmp/x/prod inventory.yaml");
    ASSERT_TRUE(load.ok()) << all_messages(load);
    EXPECT_EQ(load.inventory.cluster, "Prod.EU-1");
    EXPECT_EQ(load.inventory.postgres.port, 6543);
    EXPECT_EQ(load.inventory.hosts[1].upstream, "db1");
    expect_round_trip(load.inventory);
    const InventoryLoad stem =
        parse_inventory("hosts: [{name: a, address: a, role: primary}]", "/tmp/my inventory!.yaml");
    ASSERT_TRUE(stem.ok()) << all_messages(stem);
    EXPECT_EQ(stem.inventory.cluster, "my-inventory-");
}

TEST(InventoryGood, SharedAddressWithDistinctPorts) {
    const InventoryLoad load = load_ok("overrides.yaml");
    EXPECT_EQ(load.inventory.hosts[0].address, load.inventory.hosts[1].address);
}

TEST(InventoryGood, EnumNames) {
    EXPECT_STREQ(to_string(Role::Primary), "primary");
    EXPECT_STREQ(to_string(Role::Replica), "replica");
    EXPECT_STREQ(to_string(HostKeyChecking::AcceptNew), "accept-new");
    EXPECT_STREQ(to_string(Become::Never), "never");
    EXPECT_STREQ(to_string(ArchiveMethod::WalG), "wal-g");
    EXPECT_STREQ(to_string(ArchiveMethod::PgBackRest), "pgbackrest");
    EXPECT_EQ((PgVersion{17, 0}).to_string(), "17");
}

TEST(InventoryGood, UnreadableFileIsADiagnostic) {
    const InventoryLoad load = load_inventory(data_path("does-not-exist.yaml"));
    ASSERT_EQ(load.diagnostics.size(), 1U);
    EXPECT_EQ(load.diagnostics[0].mark.line, 0);
    EXPECT_EQ(load.diagnostics[0].to_string(),
              data_path("does-not-exist.yaml") +
                  ": cannot read the inventory: No such file or directory");
    const InventoryLoad dir = load_inventory(std::string(PGREPL_TEST_DATA));
    ASSERT_EQ(dir.diagnostics.size(), 1U);
    EXPECT_NE(dir.diagnostics[0].message.find("directory"), std::string::npos);
}

}  // namespace
}  // namespace pgrepl
