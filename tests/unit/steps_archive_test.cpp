// The archive step: method ssh against a simulated node and a simulated archive host (apply,
// re-run, zero changes on both), and the tool checks of wal-g and pgbackrest.
#include <gtest/gtest.h>

#include <algorithm>

#include "steps_archive_sim.hpp"
#include "support/borrowed_executor.hpp"

namespace pgrepl::test {
namespace {

TEST(StepArchive, SshFromScratchThenNothingToDo) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    HostLink link(archive_host(inventory), archive.fake);
    expect_node(node, false);
    archive.allow_preparation();

    auto first = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(first.status, StepStatus::Changed) << first.reason << "\n" << first.hint;
    EXPECT_NE(first.reason.find("create the postgres user's key pair"), std::string::npos)
        << first.reason;
    EXPECT_NE(first.reason.find("authorize db1's new key on db3"), std::string::npos)
        << first.reason;
    ASSERT_TRUE(archive.fake.file(kAuthorizedKeys));
    EXPECT_EQ(archive.fake.file(kAuthorizedKeys)->content,
              "restrict,command=\"/var/lib/postgresql/.pgrepl/wal-ssh-serve "
              "/var/lib/postgresql/wal-archive db1\" ssh-ed25519 AAAANODEKEY "
              "pgrepl-archive:db1:/var/lib/postgresql/wal-archive\n");
    EXPECT_TRUE(archive.markers.empty());  // db1 is the primary

    node.fake().clear_calls();
    archive.fake.clear_calls();
    auto second = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(second.status, StepStatus::Ok) << second.reason << "\n" << second.diff;
    EXPECT_NE(second.reason.find("authorized on db3:/var/lib/postgresql/wal-archive"),
              std::string::npos);
    EXPECT_EQ(node.fake().mutating_calls(), 0);
    EXPECT_EQ(archive.fake.mutating_calls(), 0);
}

TEST(StepArchive, CheckModeShowsBothHostsAndChangesNothing) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    // The link of a --check run wraps the session in the dry-run guard (which forwards the
    // session's verified host key).
    ExecutorFactory lend = [&archive](const Host&) -> Result<std::unique_ptr<Executor>> {
        return std::unique_ptr<Executor>(std::make_unique<BorrowedExecutor>(archive.fake));
    };
    HostLink link(archive_host(inventory), RunMode::Check);
    link.connect(lend, {});
    node.fake().expect_run("command -v ssh", command_ok("ssh\nkeygen\n"), Times::Any);
    auto report = run_archive(inventory, inventory.hosts[0], node, &link, RunMode::Check);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason;
    EXPECT_NE(report.diff.find("+ db3:/var/lib/postgresql/wal-archive (postgres:postgres 700)"),
              std::string::npos)
        << report.diff;
    EXPECT_NE(report.diff.find("+10.0.0.13 ssh-ed25519 AAAAHOSTKEY"), std::string::npos)
        << report.diff;
    EXPECT_EQ(node.fake().mutating_calls(), 0);
    EXPECT_EQ(archive.fake.mutating_calls(), 0);
}

TEST(StepArchive, AnExistingKeyIsKeptAndAuthorized) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    HostLink link(archive_host(inventory), archive.fake);
    expect_node(node, true);
    archive.allow_preparation();
    auto report = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << "\n" << report.hint;
    EXPECT_EQ(report.reason.find("key pair"), std::string::npos) << report.reason;
    EXPECT_NE(report.reason.find("authorize db1's key on db3"), std::string::npos) << report.reason;
}

TEST(StepArchive, ABrokenArchiveDirectoryIsRepaired) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    HostLink link(archive_host(inventory), archive.fake);
    expect_node(node, false);
    archive.allow_preparation();
    ASSERT_EQ(run_archive(inventory, inventory.hosts[0], node, &link).status, StepStatus::Changed);
    archive.dir_owner = "root:root 500";  // made unwritable
    node.fake().expect_run("wal-ssh' ping", command_ok("ok\n"));
    node.fake().expect_write(kWalSshClient, Times::Any);
    node.fake().expect_write(std::string(kKey) + ".known_hosts", Times::Any);
    auto report = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << "\n" << report.hint;
    EXPECT_NE(report.reason.find("fix db3:/var/lib/postgresql/wal-archive (was root:root 500)"),
              std::string::npos)
        << report.reason;
}

TEST(StepArchive, AReplicaHoldsBackTheCleanupFromTheStart) {
    auto inventory = ssh_inventory();
    SimState state;
    state.role = LiveRole::Standby;
    SimHost node("db2", state);
    SimArchiveHost archive;
    prepared(node, archive, "db2");
    HostLink link(archive_host(inventory), archive.fake);
    auto report = run_archive(inventory, inventory.hosts[1], node, &link);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << "\n" << report.hint;
    EXPECT_EQ(report.reason, "register db2 for archive cleanup");
    EXPECT_NE(report.diff.find(".pgrepl-keep-db2 (000000000000000000000000)"), std::string::npos)
        << report.diff;
    EXPECT_EQ(archive.markers, std::vector<std::string>{"db2"});
}

TEST(StepArchive, APromotedNodeDropsItsCleanupMarker) {
    // After `pgrepl promote db2 --update-inventory`, db2 is the inventory's primary.
    auto inventory = ssh_inventory();
    inventory.hosts[0].role = Role::Replica;
    inventory.hosts[1].role = Role::Primary;
    SimHost node("db2");
    SimArchiveHost archive;
    prepared(node, archive, "db2");
    archive.markers = {"db1", "db2", "db3"};
    HostLink link(archive_host(inventory), archive.fake);
    auto report = run_archive(inventory, inventory.hosts[1], node, &link);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << "\n" << report.hint;
    EXPECT_EQ(report.reason, "drop db2's archive cleanup marker (it is the primary)");
    EXPECT_EQ(archive.markers, (std::vector<std::string>{"db1", "db3"}));
}

TEST(StepArchive, AHostRemovedFromTheInventoryNoLongerHoldsBackTheCleanup) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    prepared(node, archive, "db1");
    archive.markers = {"db2", "db9"};
    HostLink link(archive_host(inventory), archive.fake);
    auto report = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << "\n" << report.hint;
    EXPECT_EQ(report.reason, "drop the archive cleanup marker of db9 (not in the inventory)");
    EXPECT_EQ(archive.markers, std::vector<std::string>{"db2"});
}

TEST(StepArchive, WithoutTheSshClientItIsAConflict) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    HostLink link(archive_host(inventory), archive.fake);
    node.fake().expect_run("command -v ssh", command_ok("key\n"));
    auto report = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_NE(report.hint.find("apt-get install openssh-client on db1"), std::string::npos);
}

TEST(StepArchive, AnUnreachableArchiveHostFailsTheStep) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    node.fake().expect_run("command -v ssh", command_ok("ssh\nkeygen\n"));
    ExecutorFactory refuse = [](const Host& host) -> Result<std::unique_ptr<Executor>> {
        return make_error(ErrorKind::Connect, host.address + ":22: connection refused",
                          "is sshd running?");
    };
    HostLink link(archive_host(inventory));
    link.connect(refuse, {});
    auto report = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_NE(report.reason.find("archive host db3: 10.0.0.13:22: connection refused"),
              std::string::npos)
        << report.reason;
}

TEST(StepArchive, WalGMustBeInstalled) {
    auto inventory = archive_inventory("    method: wal-g");
    SimHost node("db1");
    node.fake().expect_run("command -v 'wal-g'").as(RunAs::Postgres).returns(command_ok(""));
    auto missing = run_archive(inventory, inventory.hosts[0], node, nullptr);
    EXPECT_EQ(missing.status, StepStatus::Failed);
    EXPECT_NE(missing.reason.find("wal-g is not installed"), std::string::npos) << missing.reason;
    EXPECT_NE(missing.reason.find("'wal-g wal-push %p'"), std::string::npos) << missing.reason;
    EXPECT_NE(missing.hint.find("install WAL-G on db1"), std::string::npos);

    node.fake().expect_run("command -v 'wal-g'", command_ok("/usr/local/bin/wal-g\n"));
    auto found = run_archive(inventory, inventory.hosts[0], node, nullptr);
    EXPECT_EQ(found.status, StepStatus::Ok) << found.reason;
    EXPECT_NE(found.reason.find("/usr/local/bin/wal-g"), std::string::npos);
}

TEST(StepArchive, PgBackRestMustBeInstalled) {
    auto inventory = archive_inventory("    method: pgbackrest\n    stanza: prod");
    SimHost node("db2");
    node.fake().expect_run("command -v 'pgbackrest'", command_ok(""));
    auto missing = run_archive(inventory, inventory.hosts[1], node, nullptr);
    EXPECT_EQ(missing.status, StepStatus::Failed);
    EXPECT_NE(missing.hint.find("--stanza=prod stanza-create"), std::string::npos) << missing.hint;
}

TEST(ArchiveChain, TheArchiveStepComesBeforeSettings) {
    auto names = [](const Inventory& inventory, const Host& host) {
        std::vector<std::string> out;
        for (const auto& step : steps_for(inventory, host)) out.emplace_back(step->name());
        return out;
    };
    auto with = ssh_inventory();
    for (const auto& host : with.hosts) {
        auto steps = names(with, host);
        auto archive = std::find(steps.begin(), steps.end(), "archive");
        auto settings = std::find(steps.begin(), steps.end(), "settings");
        ASSERT_NE(archive, steps.end()) << host.name;
        EXPECT_LT(archive, settings) << host.name;
    }
    for (const auto* block : {"    method: none",
                              "    method: command\n    archive_command: "
                              "cp %p /x/%f\n    restore_command: cp /x/%f %p"}) {
        auto without = archive_inventory(block);
        auto steps = names(without, without.hosts[0]);
        EXPECT_EQ(std::find(steps.begin(), steps.end(), "archive"), steps.end()) << block;
    }
}

TEST(ArchiveSettings, EveryNodeArchivesAndReplicasRestore) {
    auto inventory = ssh_inventory();
    for (const auto& host : inventory.hosts) {
        const auto conf = render_managed_conf(desired_settings(inventory, host), "x");
        EXPECT_NE(conf.find("archive_mode = on\n"), std::string::npos) << host.name;
        EXPECT_NE(conf.find("archive_command = '/var/lib/postgresql/.pgrepl/wal-ssh push "
                            "10.0.0.13 22 /var/lib/postgresql/.ssh/pgrepl-archive-15-main "
                            "\"%p\" %f'"),
                  std::string::npos)
            << conf;
        EXPECT_NE(conf.find("archive_timeout = 60\n"), std::string::npos);
    }
    auto none = three_host_inventory();
    const auto conf = render_managed_conf(desired_settings(none, none.hosts[0]), "x");
    EXPECT_EQ(conf.find("archive_"), std::string::npos);
}

TEST(ArchiveHost, AnAddressOutsideTheInventoryUsesTheClusterSshOptions) {
    auto inventory =
        archive_inventory("    method: ssh\n    host: backup.example.com\n    path: /srv/wal");
    const Host host = archive_host(inventory);
    EXPECT_EQ(host.name, "backup.example.com");
    EXPECT_EQ(host.address, "backup.example.com");
    EXPECT_EQ(host.ssh, inventory.ssh);
    EXPECT_EQ(archive_ssh_target(inventory, inventory.hosts[1]).address, "backup.example.com");
}

TEST(ArchiveHostState, Parses) {
    const std::string output =
        "@@user postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n"
        "@@locked\n@@usepam no\n@@akf /run/keys/postgres\n"
        "@@dir postgres:postgres 700\n@@marker db2\n"
        "@@nofile\n@@file 6\nabc\nde\n";
    auto state = parse_archive_host_state(output);
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_TRUE(state->postgres_user);
    EXPECT_EQ(state->postgres_home, "/var/lib/postgresql");
    EXPECT_EQ(state->postgres_shell, "/bin/bash");
    EXPECT_TRUE(state->postgres_locked);
    EXPECT_FALSE(state->use_pam);
    EXPECT_EQ(state->authorized_keys_path, "/run/keys/postgres");
    EXPECT_EQ(state->dir_owner, "postgres:postgres 700");
    EXPECT_EQ(state->cleanup_markers, std::vector<std::string>{"db2"});
    EXPECT_FALSE(state->server_script);
    EXPECT_EQ(state->authorized_keys, "abc\nde");
    EXPECT_FALSE(parse_archive_host_state("@@akf /x\n@@file 99\nshort\n"));
}

}  // namespace
}  // namespace pgrepl::test
