// Parsing ps output into the cluster's postmaster, walsenders and walreceiver.
#include <gtest/gtest.h>

#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

Host host_15_main() {
    Host host;
    host.name = "db1";
    host.postgres.version = PgVersion{15, 0};
    host.postgres.cluster_name = "main";
    return host;
}

TEST(VerifyProcesses, PrimaryWithTwoWalsenders) {
    const Host host = host_15_main();
    const auto processes = parse_postgres_processes(
        "    1 /bin/bash /lab/init\n"
        " 1356 /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c "
        "config_file=/etc/postgresql/15/main/postgresql.conf\n"
        " 1357 postgres: 15/main: checkpointer \n"
        " 2259 postgres: 15/main: walsender replicator 10.231.0.13(55192) streaming 0/403F368\n"
        " 2260 postgres: 15/main: walsender replicator 10.231.0.12(43820) catchup 0/403F368\n"
        " 2270 postgres: 15/main: postgres postgres [local] idle\n"
        " 2300 sshd: root@notty\n",
        host);
    ASSERT_TRUE(processes.postmaster_pid.has_value());
    EXPECT_EQ(*processes.postmaster_pid, 1356);
    ASSERT_EQ(processes.walsenders.size(), 2u);
    EXPECT_EQ(processes.walsenders[0].pid, 2259);
    EXPECT_EQ(processes.walsenders[0].user, "replicator");
    EXPECT_EQ(processes.walsenders[0].client, "10.231.0.13(55192)");
    EXPECT_EQ(processes.walsenders[0].state, "streaming");
    EXPECT_EQ(processes.walsenders[1].state, "catchup");
    EXPECT_FALSE(processes.walreceiver.has_value());
}

TEST(VerifyProcesses, APostmasterThatPatroniStarted) {
    // Patroni passes --config-file= and its own options; cluster_name is then Patroni's scope.
    const Host host = host_15_main();
    const auto processes = parse_postgres_processes(
        " 4711 /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main "
        "--config-file=/etc/postgresql/15/main/postgresql.conf --listen_addresses=* --port=5432 "
        "--cluster_name=lab --wal_level=replica\n"
        " 4720 postgres: lab: walreceiver streaming 0/5000148\n",
        host);
    ASSERT_TRUE(processes.postmaster_pid.has_value());
    EXPECT_EQ(*processes.postmaster_pid, 4711);
    EXPECT_TRUE(processes.walreceiver.has_value());
}

TEST(VerifyProcesses, StandbyWalreceiver) {
    const Host host = host_15_main();
    const auto processes = parse_postgres_processes(
        "   29 /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c "
        "config_file=/etc/postgresql/15/main/postgresql.conf\n"
        "   33 postgres: 15/main: startup recovering 000000010000000000000004\n"
        "  376 postgres: 15/main: walreceiver streaming 0/4000148\n",
        host);
    EXPECT_EQ(processes.postmaster_pid, 29);
    ASSERT_TRUE(processes.walreceiver.has_value());
    EXPECT_EQ(processes.walreceiver->pid, 376);
    EXPECT_EQ(processes.walreceiver->state, "streaming");
    EXPECT_TRUE(processes.walsenders.empty());
}

TEST(VerifyProcesses, OldTitlesWithoutClusterName) {
    Host host = host_15_main();
    host.postgres.version = PgVersion{9, 6};
    const auto processes = parse_postgres_processes(
        "  10 /usr/lib/postgresql/9.6/bin/postgres -D /var/lib/postgresql/9.6/main -c "
        "config_file=/etc/postgresql/9.6/main/postgresql.conf\n"
        "  11 postgres: wal receiver process   streaming 0/3000060\n"
        "  12 postgres: wal sender process replicator 10.0.0.3(5000) streaming 0/3000060\n",
        host);
    EXPECT_EQ(processes.postmaster_pid, 10);
    ASSERT_TRUE(processes.walreceiver.has_value());
    EXPECT_EQ(processes.walreceiver->state, "streaming");
    ASSERT_EQ(processes.walsenders.size(), 1u);
    EXPECT_EQ(processes.walsenders[0].client, "10.0.0.3(5000)");
}

TEST(VerifyProcesses, OtherClustersAreIgnored) {
    const Host host = host_15_main();
    const auto processes = parse_postgres_processes(
        "  10 /usr/lib/postgresql/14/bin/postgres -D /x -c "
        "config_file=/etc/postgresql/14/main/postgresql.conf\n"
        "  11 postgres: 14/main: walreceiver streaming 0/3000060\n"
        "  12 postgres: 15/main: walsender replicator 10.0.0.3(5000) streaming 0/1\n"
        "  13 /usr/lib/postgresql/15/bin/postgres -D /y -c "
        "config_file=/etc/postgresql/15/main/postgresql.conf.bak\n",
        host);
    EXPECT_FALSE(processes.postmaster_pid.has_value());
    EXPECT_FALSE(processes.walreceiver.has_value());
    ASSERT_EQ(processes.walsenders.size(), 1u);
    EXPECT_EQ(processes.walsenders[0].pid, 12);
}

TEST(VerifyProcesses, CustomClusterNameOnASingleCluster) {
    const Host host = host_15_main();
    const auto processes =
        parse_postgres_processes("  11 postgres: prod-eu: walreceiver restarting\n", host);
    ASSERT_TRUE(processes.walreceiver.has_value());
    EXPECT_EQ(processes.walreceiver->state, "restarting");
}

TEST(VerifyProcesses, GarbageIsIgnored) {
    const Host host = host_15_main();
    const auto processes =
        parse_postgres_processes("\n  x postgres: 15/main: walreceiver\n-1 y\n  \n", host);
    EXPECT_FALSE(processes.postmaster_pid.has_value());
    EXPECT_FALSE(processes.walreceiver.has_value());
    EXPECT_TRUE(processes.walsenders.empty());
}

}  // namespace
}  // namespace pgrepl
