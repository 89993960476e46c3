// Privilege handling against real hosts: root, a sudoer (pgrepl-op) and a user without sudo.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "lab.hpp"
#include "pgrepl/exec/ssh_executor.hpp"

namespace pgrepl::e2e {
namespace {

/// db1 reached as another SSH user with the lab's key.
Host db1_as(const std::string& user) {
    Host host = lab_host("db1");
    host.ssh.user = user;
    return host;
}

TEST(Become, RootRunsAsAdminAndAsPostgres) {
    auto db1 = connect_or_fail(lab_host("db1"));
    ASSERT_TRUE(db1);
    EXPECT_EQ(run_or_fail(*db1, "id -u").out, "0\n");
    EXPECT_EQ(run_or_fail(*db1, "id -un", RunAs::Postgres).out, "postgres\n");
}

TEST(Become, SudoerBecomesRootAndPostgres) {
    auto db1 = connect_or_fail(db1_as("pgrepl-op"));
    ASSERT_TRUE(db1);
    EXPECT_EQ(run_or_fail(*db1, "id -u").out, "0\n");
    EXPECT_EQ(run_or_fail(*db1, "id -un", RunAs::Postgres).out, "postgres\n");
    CommandResult stdin_through_sudo = run_or_fail(*db1, "cat", RunAs::Admin, "through sudo\n");
    EXPECT_EQ(stdin_through_sudo.out, "through sudo\n");

    FileSpec file;
    file.path = "/etc/postgresql/pgrepl-e2e-become.conf";
    file.content = "written through sudo\n";
    file.mode = 0600;
    file.owner = "root";
    file.group = "postgres";
    const Status written = db1->write_file(file);
    ASSERT_TRUE(written.ok()) << explain(written.error());
    const ProcessResult stat = lab_shell("db1", "stat -c '%a %U %G' " + file.path);
    EXPECT_EQ(stat.out, "600 root postgres\n") << stat.describe();
    Result<std::optional<std::string>> read = db1->read_file(file.path);
    ASSERT_TRUE(read.ok()) << explain(read.error());
    EXPECT_EQ(read->value_or("(missing)"), file.content);
    lab_shell("db1", "rm -f " + file.path);
}

TEST(Become, UserWithoutPasswordlessSudoIsASudoError) {
    const Host host = db1_as("pgrepl-nosudo");
    auto db1 = connect_or_fail(host);
    ASSERT_TRUE(db1);
    Command command;
    command.script = "id -u";
    command.purpose = "sudo test";
    const auto start = std::chrono::steady_clock::now();
    const Result<CommandResult> result = db1->run(command);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(result.ok()) << "ran as: " << result->out;
    EXPECT_EQ(result.error().kind, ErrorKind::Sudo) << explain(result.error());
    EXPECT_NE(describe(result.error()).find("db1"), std::string::npos) << describe(result.error());
    EXPECT_FALSE(result.error().hint.empty());
    // sudo -n fails at once; it must not wait for a password.
    EXPECT_LT(elapsed, std::chrono::seconds(5));

    const Status written =
        db1->write_file(FileSpec{.path = "/etc/postgresql/never", .content = "x"});
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().kind, ErrorKind::Sudo) << explain(written.error());
    EXPECT_EQ(lab_shell("db1", "test -e /etc/postgresql/never").exit_code, 1);
}

TEST(Become, NeverUsesNoSudo) {
    Host host = db1_as("pgrepl-nosudo");
    host.ssh.become = Become::Never;
    auto db1 = connect_or_fail(host);
    ASSERT_TRUE(db1);
    EXPECT_EQ(run_or_fail(*db1, "id -un").out, "pgrepl-nosudo\n");
}

}  // namespace
}  // namespace pgrepl::e2e
