// The archive step: method ssh against a simulated node and a simulated archive host (apply,
// re-run, zero changes on both), and the tool checks of wal-g and pgbackrest.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "pgrepl/steps/archive.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kKey = "/var/lib/postgresql/.ssh/pgrepl-archive-15-main";
constexpr const char* kAuthorizedKeys = "/var/lib/postgresql/.ssh/authorized_keys";
constexpr const char* kDir = "/var/lib/postgresql/wal-archive";

Inventory archive_inventory(const std::string& archive_block) {
    auto loaded = parse_inventory(R"(
postgres: { version: 15 }
replication:
  archive:
)" + archive_block + R"(
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
  - { name: db3, address: 10.0.0.13, role: replica }
)",
                                  "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

Inventory ssh_inventory() {
    return archive_inventory(
        "    method: ssh\n    host: db3\n    path: /var/lib/postgresql/wal-archive");
}

// The archive host: a FakeExecutor answering the state script from a small model and its files.
struct SimArchiveHost {
    bool user = true;
    bool locked = false;
    bool use_pam = true;
    std::string shell = "/bin/bash";
    std::optional<std::string> dir_owner;
    std::vector<std::string> markers;
    FakeExecutor fake{"db3"};

    SimArchiveHost() {
        fake.expect_run(TextMatch::substring("@@user"))
            .times(Times::Any)
            .does([this](const Command& command) -> Result<CommandResult> {
                EXPECT_EQ(command.mutation, Mutation::ReadOnly);
                return command_ok(render());
            });
    }

    std::string render() const {
        std::ostringstream out;
        if (user)
            out << "@@user postgres:x:101:104::/var/lib/postgresql:" << shell << "\n";
        else
            out << "@@nouser\n";
        if (locked) out << "@@locked\n";
        out << "@@usepam " << (use_pam ? "yes" : "no") << "\n";
        out << "@@akf " << kAuthorizedKeys << "\n";
        out << "@@hostkey ssh-ed25519 AAAAHOSTKEY root@db3\n";
        if (dir_owner) out << "@@dir " << *dir_owner << "\n";
        for (const auto& marker : markers) out << "@@marker " << marker << "\n";
        for (const std::string path : {kWalSshServer, kAuthorizedKeys}) {
            auto file = fake.file(path);
            if (file)
                out << "@@file " << file->content.size() << "\n" << file->content << "\n";
            else
                out << "@@nofile\n";
        }
        return out.str();
    }

    // The archive host's side of an apply: the preparation script (directory, markers) and
    // the two files, answered from the model.
    void allow_preparation() {
        fake.expect_run(TextMatch::substring("install -d -o root -g root -m 0755 "
                                             "'/var/lib/postgresql/.pgrepl'"))
            .mutation(Mutation::Mutating)
            .times(Times::Any)
            .does([this](const Command& command) -> Result<CommandResult> {
                const auto& script = command.script;
                if (script.find("chmod 0700 '/var/lib/postgresql/wal-archive'") !=
                    std::string::npos)
                    dir_owner = "postgres:postgres 700";
                static const std::regex add(R"(printf '%s\\n' 0+ >'[^']*/\.pgrepl-keep-(\w+)')");
                static const std::regex drop(R"(rm -f '[^']*/\.pgrepl-keep-(\w+)')");
                std::smatch match;
                if (std::regex_search(script, match, add)) markers.push_back(match[1]);
                for (auto it = std::sregex_iterator(script.begin(), script.end(), drop);
                     it != std::sregex_iterator(); ++it) {
                    const auto gone = (*it)[1].str();
                    markers.erase(std::remove(markers.begin(), markers.end(), gone), markers.end());
                }
                return command_ok();
            });
        fake.expect_write(kWalSshServer, Times::Any).mode(0755).content("wal-ssh-serve");
        fake.expect_write(kAuthorizedKeys, Times::Any).mode(0600).owner("postgres", "postgres");
    }
};

// The node: expectations for the probe, the key pair, the files and the test connection.
void expect_node(SimHost& sim, bool key_exists) {
    auto has_key = std::make_shared<bool>(key_exists);
    if (key_exists) sim.fake().add_file(std::string(kKey) + ".pub", "ssh-ed25519 AAAANODEKEY x\n");
    sim.fake()
        .expect_run("command -v ssh")
        .times(Times::Any)
        .does([has_key](const Command& command) -> Result<CommandResult> {
            EXPECT_EQ(command.mutation, Mutation::ReadOnly);
            return command_ok(std::string("ssh\nkeygen\n") + (*has_key ? "key\n" : ""));
        });
    sim.fake()
        .expect_run("ssh-keygen -q -t ed25519")
        .mutation(Mutation::Mutating)
        .times(Times::Any)
        .does([&sim, has_key](const Command& command) -> Result<CommandResult> {
            EXPECT_NE(command.script.find("if [ ! -e \"$k\" ]"), std::string::npos);
            *has_key = true;
            if (!sim.fake().file(std::string(kKey) + ".pub"))
                sim.fake().add_file(std::string(kKey) + ".pub", "ssh-ed25519 AAAANODEKEY x\n");
            return command_ok(sim.fake().file(std::string(kKey) + ".pub")->content);
        });
    sim.fake().expect_write(kWalSshClient).mode(0755).content("wal-ssh push");
    sim.fake()
        .expect_write(std::string(kKey) + ".known_hosts")
        .owner("postgres", "postgres")
        .content("10.0.0.13 ssh-ed25519 AAAAHOSTKEY\n");
    sim.fake()
        .expect_run("wal-ssh' ping '10.0.0.13' 22")
        .as(RunAs::Postgres)
        .returns(command_ok("ok\n"));
}

StepReport run_archive(const Inventory& inventory, const Host& host, SimHost& sim,
                       ArchiveHostLink* link, RunMode mode = RunMode::Apply) {
    std::vector<std::unique_ptr<Step>> steps;
    steps.push_back(make_archive_step());
    ClusterView view;
    view.archive_host = link;
    const std::string password = "pw";
    ChainInput input{inventory, host, sim.fake(), view, password, mode, Force::No, std::nullopt};
    auto result = run_chain(steps, input, nullptr);
    EXPECT_EQ(result.reports.size(), 1u);
    return result.reports.empty() ? StepReport{} : result.reports.front();
}

TEST(StepArchive, SshFromScratchThenNothingToDo) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    ArchiveHostLink link(archive_host(inventory), archive.fake);
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
    ArchiveHostLink link(archive_host(inventory), archive.fake);
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
    ArchiveHostLink link(archive_host(inventory), archive.fake);
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
    ArchiveHostLink link(archive_host(inventory), archive.fake);
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

// A node prepared earlier: key, pinned host keys, client, authorized on the archive host.
void prepared(SimHost& node, SimArchiveHost& archive, const std::string& name) {
    archive.dir_owner = "postgres:postgres 700";
    archive.fake.add_file(kWalSshServer, render_wal_ssh_server());
    archive.fake.add_file(
        kAuthorizedKeys,
        render_archive_authorized_key(name, kDir, "ssh-ed25519 AAAANODEKEY") + "\n");
    node.fake().add_file(kWalSshClient, render_wal_ssh_client());
    node.fake().add_file(std::string(kKey) + ".known_hosts",
                         render_archive_known_hosts("10.0.0.13", 22, {"ssh-ed25519 AAAAHOSTKEY"}));
    expect_node(node, true);
    archive.allow_preparation();
}

TEST(StepArchive, AReplicaHoldsBackTheCleanupFromTheStart) {
    auto inventory = ssh_inventory();
    SimState state;
    state.role = LiveRole::Standby;
    SimHost node("db2", state);
    SimArchiveHost archive;
    prepared(node, archive, "db2");
    ArchiveHostLink link(archive_host(inventory), archive.fake);
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
    ArchiveHostLink link(archive_host(inventory), archive.fake);
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
    ArchiveHostLink link(archive_host(inventory), archive.fake);
    auto report = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << "\n" << report.hint;
    EXPECT_EQ(report.reason, "drop the archive cleanup marker of db9 (not in the inventory)");
    EXPECT_EQ(archive.markers, std::vector<std::string>{"db2"});
}

TEST(StepArchive, WithoutTheSshClientItIsAConflict) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    ArchiveHostLink link(archive_host(inventory), archive.fake);
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
    ArchiveHostLink link(inventory, refuse, RunMode::Apply);
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
        "@@hostkey ssh-ed25519 AAAAK db3.lab\n@@hostkey garbage\n"
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
    EXPECT_EQ(state->host_keys, std::vector<std::string>{"ssh-ed25519 AAAAK"});
    EXPECT_EQ(state->dir_owner, "postgres:postgres 700");
    EXPECT_EQ(state->cleanup_markers, std::vector<std::string>{"db2"});
    EXPECT_FALSE(state->server_script);
    EXPECT_EQ(state->authorized_keys, "abc\nde");
    EXPECT_FALSE(parse_archive_host_state("@@akf /x\n@@file 99\nshort\n"));
}

}  // namespace
}  // namespace pgrepl::test
