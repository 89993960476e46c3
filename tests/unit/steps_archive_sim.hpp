// The archive step's simulated hosts (shared by the archive step tests): a node (SimHost) and
// an archive host (FakeExecutor) answering the state script from a small model.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "pgrepl/steps/archive.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {

inline constexpr const char* kKey = "/var/lib/postgresql/.ssh/pgrepl-archive-15-main";
inline constexpr const char* kAuthorizedKeys = "/var/lib/postgresql/.ssh/authorized_keys";
inline constexpr const char* kDir = "/var/lib/postgresql/wal-archive";
/// The key the simulated archive host's session was verified with (FakeExecutor::host_key()).
inline constexpr const char* kArchiveHostKey = "ssh-ed25519 AAAAHOSTKEY";

/// The three hosts archiving with `archive_block` (indented lines under replication.archive);
/// `db3_extra` is added to db3's flow map (", ssh: { port: 2222 }").
inline Inventory archive_inventory(const std::string& archive_block,
                                   const std::string& db3_extra = {}) {
    auto loaded = parse_inventory(R"(
postgres: { version: 15 }
replication:
  archive:
)" + archive_block + R"(
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
  - { name: db3, address: 10.0.0.13, role: replica)" +
                                      db3_extra + R"( }
)",
                                  "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

/// Method ssh to db3:/var/lib/postgresql/wal-archive.
inline Inventory ssh_inventory(const std::string& db3_extra = {}) {
    return archive_inventory(
        "    method: ssh\n    host: db3\n    path: /var/lib/postgresql/wal-archive", db3_extra);
}

/// The archive host: a FakeExecutor answering the state script from a small model and its files,
/// its session verified with kArchiveHostKey.
struct SimArchiveHost {
    bool user = true;
    bool locked = false;
    bool use_pam = true;
    std::string shell = "/bin/bash";
    std::optional<std::string> dir_owner;
    std::vector<std::string> markers;
    FakeExecutor fake{"db3"};

    SimArchiveHost() {
        fake.set_host_key(kArchiveHostKey);
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

    /// The archive host's side of an apply: the preparation script (directory, markers) and
    /// the two files, answered from the model.
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

/// The node: expectations for the probe, the key pair, the files (KEY.known_hosts containing
/// `pinned`) and the test connection (`ping_target`: the quoted address and the port).
inline void expect_node(SimHost& sim, bool key_exists,
                        const std::string& pinned = "10.0.0.13 ssh-ed25519 AAAAHOSTKEY\n",
                        const std::string& ping_target = "'10.0.0.13' 22") {
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
        .content(pinned);
    sim.fake()
        .expect_run("wal-ssh' ping " + ping_target)
        .as(RunAs::Postgres)
        .returns(command_ok("ok\n"));
}

/// Runs the archive step alone on the simulated node with `link` as the shared session.
inline StepReport run_archive(const Inventory& inventory, const Host& host, SimHost& sim,
                              HostLink* link, RunMode mode = RunMode::Apply) {
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

/// A node prepared earlier: key, pinned host key, client, authorized on the archive host.
inline void prepared(SimHost& node, SimArchiveHost& archive, const std::string& name) {
    archive.dir_owner = "postgres:postgres 700";
    archive.fake.add_file(kWalSshServer, render_wal_ssh_server());
    archive.fake.add_file(
        kAuthorizedKeys,
        render_archive_authorized_key(name, kDir, "ssh-ed25519 AAAANODEKEY") + "\n");
    node.fake().add_file(kWalSshClient, render_wal_ssh_client());
    node.fake().add_file(std::string(kKey) + ".known_hosts",
                         render_archive_known_hosts("10.0.0.13", 22, kArchiveHostKey));
    expect_node(node, true);
    archive.allow_preparation();
}

}  // namespace pgrepl::test
