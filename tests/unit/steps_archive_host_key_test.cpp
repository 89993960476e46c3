// The archive host's key that the nodes pin: exactly the one pgrepl's verified session to it was
// shown (Executor::host_key()), under the name and port the archive command connects to; and the
// sshd settings read from the sshd that serves the session, not from /run/sshd.pid.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "exec_local_sshd.hpp"
#include "steps_archive_sim.hpp"

namespace pgrepl::test {
namespace {

const std::string kPort2222 = ", ssh: { port: 2222 }";

bool reads_host_key_files(const FakeExecutor& fake) {
    for (const auto& call : fake.calls()) {
        const auto& script = call.command.script;
        if (script.find("ssh_host_") != std::string::npos ||
            script.find("hostkey") != std::string::npos ||
            script.find("sshd.pid") != std::string::npos)
            return true;
    }
    return false;
}

TEST(StepArchiveHostKey, PinsTheVerifiedKeyUnderTheArchivePort) {
    auto inventory = ssh_inventory(kPort2222);
    SimHost node("db1");
    SimArchiveHost archive;
    archive.fake.set_host_key("ssh-ed25519 AAAAVERIFIED");
    HostLink link(archive_host(inventory), archive.fake);
    const auto pinned = render_archive_known_hosts("10.0.0.13", 2222, "ssh-ed25519 AAAAVERIFIED");
    expect_node(node, false, pinned, "'10.0.0.13' 2222");
    archive.allow_preparation();

    auto first = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(first.status, StepStatus::Changed) << first.reason << "\n" << first.hint;
    ASSERT_TRUE(node.fake().file(std::string(kKey) + ".known_hosts"));
    EXPECT_EQ(node.fake().file(std::string(kKey) + ".known_hosts")->content,
              "# Managed by pgrepl: the WAL archive host's key, as pgrepl's verified SSH session "
              "to it was shown.\n[10.0.0.13]:2222 ssh-ed25519 AAAAVERIFIED\n");
    EXPECT_FALSE(reads_host_key_files(archive.fake));

    node.fake().clear_calls();
    archive.fake.clear_calls();
    auto second = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(second.status, StepStatus::Ok) << second.reason << "\n" << second.diff;
    EXPECT_EQ(node.fake().mutating_calls(), 0);
    EXPECT_EQ(archive.fake.mutating_calls(), 0);

    // The archive command connects where the pin is: the archive host's address and port.
    const auto commands = archive_commands(inventory, inventory.hosts[1]);
    EXPECT_NE(commands.archive_command.find("wal-ssh push 10.0.0.13 2222 "), std::string::npos)
        << commands.archive_command;
    EXPECT_NE(commands.restore_command.find("wal-ssh fetch 10.0.0.13 2222 "), std::string::npos)
        << commands.restore_command;
}

TEST(StepArchiveHostKey, AKeyTheArchiveHostNowServesIsPinnedInsteadOfTheOld) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    prepared(node, archive, "db1");
    // Pinned before the archive host got its new key (kArchiveHostKey).
    node.fake().add_file(std::string(kKey) + ".known_hosts",
                         render_archive_known_hosts("10.0.0.13", 22, "ssh-ed25519 AAAAOLD"));
    HostLink link(archive_host(inventory), archive.fake);
    auto first = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(first.status, StepStatus::Changed) << first.reason << "\n" << first.hint;
    EXPECT_EQ(first.reason, std::string("pin the archive host's key in ") + kKey + ".known_hosts");
    EXPECT_NE(first.diff.find("-10.0.0.13 ssh-ed25519 AAAAOLD"), std::string::npos) << first.diff;
    EXPECT_NE(first.diff.find("+10.0.0.13 ssh-ed25519 AAAAHOSTKEY"), std::string::npos)
        << first.diff;

    node.fake().clear_calls();
    auto second = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(second.status, StepStatus::Ok) << second.reason << "\n" << second.diff;
    EXPECT_EQ(node.fake().mutating_calls(), 0);
}

TEST(StepArchiveHostKey, AKeyThatCannotBePinnedFailsTheStep) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    archive.fake.set_host_key("ssh-ed25519-cert-v01@openssh.com AAAACERT");
    HostLink link(archive_host(inventory), archive.fake);
    node.fake().expect_run("command -v ssh", command_ok("ssh\nkeygen\n"));
    auto report = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_NE(report.reason.find("showed a host key that cannot be pinned in known_hosts "
                                 "(ssh-ed25519-cert-v01@openssh.com)"),
              std::string::npos)
        << report.reason;
    EXPECT_EQ(archive.fake.mutating_calls(), 0);
}

}  // namespace

// The state script run over a real session: sshd's settings are those of the sshd serving it
// (started with -f, its own AuthorizedKeysFile and PidFile), whatever /run/sshd.pid says.
TEST_F(ExecSshLocal, ArchiveHostStateReadsTheServingSshd) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    Command command;
    command.script = archive_host_state_script((server_->dir() / "no-archive").string());
    command.purpose = "read the archive host's state";
    auto result = executor->run(command);
    ASSERT_TRUE(result) << result.error().message;
    ASSERT_TRUE(result->success()) << result->err;
    auto state = parse_archive_host_state(result->out);
    ASSERT_TRUE(state) << state.error().message << "\n" << result->out;
    EXPECT_EQ(state->authorized_keys_path, (server_->dir() / "authorized_keys").string())
        << result->out;
    EXPECT_TRUE(state->use_pam);  // the local sshd has UsePAM yes
}

}  // namespace pgrepl::test
