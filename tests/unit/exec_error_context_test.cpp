// The SSH executor's errors carry the host and the step as fields, and describe() renders them as
// the users always saw them: "local: connect: ...", "local: host key: ...", "local: test: ...".
#include <gtest/gtest.h>

#include <string>

#include "exec/remote_command.hpp"
#include "exec_local_sshd.hpp"

namespace pgrepl {
namespace {

/// Expects `error` to have happened on host "local" during `step`, shown as "local: step: ...".
void expect_context(const Error& error, const std::string& step) {
    EXPECT_EQ(error.host, "local") << describe(error);
    EXPECT_EQ(error.step, step) << describe(error);
    EXPECT_FALSE(error.message.starts_with("local:")) << error.message;
    EXPECT_EQ(describe(error), "local: " + step + ": " + error.message);
}

TEST_F(ExecSshLocal, ConnectErrorsNameHostAndStep) {
    Host host = server_->host();
    host.ssh.port = free_local_port();
    auto refused = connect_ssh(host);
    ASSERT_FALSE(refused);
    expect_context(refused.error(), "connect");
    EXPECT_TRUE(describe(refused.error())
                    .starts_with("local: connect: cannot open an SSH connection to 127.0.0.1:" +
                                 std::to_string(host.ssh.port) + " within "))
        << describe(refused.error());
}

TEST_F(ExecSshLocal, HostKeyErrorsNameHostAndStep) {
    Host host = server_->host();
    host.ssh.host_key_checking = HostKeyChecking::Strict;
    auto unknown = connect_ssh(host);
    ASSERT_FALSE(unknown);
    expect_context(unknown.error(), "host key");
    EXPECT_TRUE(describe(unknown.error())
                    .starts_with("local: host key: [127.0.0.1]:" + std::to_string(server_->port()) +
                                 " is not in "))
        << describe(unknown.error());
}

TEST_F(ExecSshLocal, AuthErrorsNameHostAndStep) {
    Host host = server_->host();
    host.ssh.identity_file = (server_->dir() / "other_key").string();
    auto denied = connect_ssh(host);
    ASSERT_FALSE(denied);
    expect_context(denied.error(), "auth");
    EXPECT_TRUE(describe(denied.error())
                    .starts_with("local: auth: " + server_->user() + "@127.0.0.1:" +
                                 std::to_string(server_->port()) + " accepted no key; tried "))
        << describe(denied.error());
}

TEST_F(ExecSshLocal, ExecutorErrorsNameHostAndPurpose) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    auto relative = executor->write_file(FileSpec{.path = "relative", .content = "x"});
    ASSERT_FALSE(relative);
    EXPECT_EQ(describe(relative.error()),
              "local: write_file: 'relative' is not an absolute file path");
    const std::string nowhere = (server_->dir() / "no-dir" / "x").string();
    auto written = executor->write_file(FileSpec{.path = nowhere, .content = "x"});
    ASSERT_FALSE(written);
    expect_context(written.error(), "write " + nowhere);
    auto read = executor->read_file(server_->dir().string());
    ASSERT_FALSE(read);
    expect_context(read.error(), "read " + server_->dir().string());
    // The channel: a connection dropped under a running command.
    auto dropped = executor->run(command("kill -KILL $PPID; sleep 5"));
    ASSERT_FALSE(dropped);
    expect_context(dropped.error(), "test");
    EXPECT_TRUE(describe(dropped.error()).starts_with("local: test: the SSH connection "))
        << describe(dropped.error());
}

TEST(ExecSudoFailure, DescribedAsHostPurposeAndWhy) {
    const CommandResult password{1, std::nullopt, "", "sudo: a password is required\n", {}};
    const auto asked = sudo_failure(WrapperKind::Sudo, password, "db1", "probe", "deploy");
    ASSERT_TRUE(asked);
    EXPECT_EQ(asked->host, "db1");
    EXPECT_EQ(asked->step, "probe");
    EXPECT_EQ(describe(*asked), "db1: probe: sudo -n refused: a password is required for deploy");
    const CommandResult denied{1, std::nullopt, "", "deploy is not in the sudoers file\n", {}};
    EXPECT_EQ(describe(*sudo_failure(WrapperKind::Sudo, denied, "db1", "probe", "deploy")),
              "db1: probe: sudo refused: deploy may not run this command with sudo");
    const CommandResult missing{127, std::nullopt, "", "sh: 1: sudo: not found\n", {}};
    EXPECT_EQ(describe(*sudo_failure(WrapperKind::Sudo, missing, "db1", "probe", "deploy")),
              "db1: probe: sudo is not installed on the host (needed because ssh.user is deploy)");
}

}  // namespace
}  // namespace pgrepl
