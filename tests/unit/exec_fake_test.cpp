// Tests of the scripted FakeExecutor itself (failures it must report are checked with
// gtest's EXPECT_NONFATAL_FAILURE).
#include "support/fake_executor.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace pgrepl {
namespace {

Command make_command(std::string script, Mutation mutation = Mutation::ReadOnly,
                     RunAs run_as = RunAs::Admin) {
    Command command;
    command.script = std::move(script);
    command.mutation = mutation;
    command.run_as = run_as;
    command.purpose = "test";
    return command;
}

FileSpec make_file(std::string path, std::string content) {
    FileSpec file;
    file.path = std::move(path);
    file.content = std::move(content);
    return file;
}

TEST(ExecFake, ReturnsScriptedResults) {
    FakeExecutor fake("db1");
    fake.expect_run("pg_lsclusters", command_ok("15 main 5432 online"), Times::Any);
    fake.expect_run(TextMatch::regex("^systemctl (re)?start "), command_failed(1, "boom"));
    auto listed = fake.run(make_command("pg_lsclusters --no-header"));
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->out, "15 main 5432 online");
    auto started = fake.run(make_command("systemctl start postgresql@15-main"));
    ASSERT_TRUE(started);
    EXPECT_EQ(started->exit_status, 1);
    EXPECT_EQ(started->err, "boom");
    EXPECT_EQ(fake.host_name(), "db1");
    EXPECT_EQ(fake.stats().commands, 2);
    EXPECT_EQ(fake.calls().size(), 2u);
}

TEST(ExecFake, OnceExpectationsAnswerInOrder) {
    FakeExecutor fake;
    fake.expect_run("pg_isready", command_failed(2));
    fake.expect_run("pg_isready", command_ok("accepting"));
    EXPECT_EQ(fake.run(make_command("pg_isready -q"))->exit_status, 2);
    EXPECT_EQ(fake.run(make_command("pg_isready -q"))->out, "accepting");
}

TEST(ExecFake, MatchesRunAsStdinAndMutation) {
    FakeExecutor fake;
    fake.expect_run("psql").as(RunAs::Postgres).with_stdin("SELECT 1").returns(command_ok("1"));
    fake.expect_run("touch").mutation(Mutation::Mutating);
    Command query = make_command("psql -At", Mutation::ReadOnly, RunAs::Postgres);
    query.stdin_data = "SELECT 1;";
    EXPECT_EQ(fake.run(query)->out, "1");
    EXPECT_TRUE(fake.run(make_command("touch /x", Mutation::Mutating)));
    EXPECT_EQ(fake.mutating_calls(), 1);
}

TEST(ExecFake, UnexpectedRunFailsTheTest) {
    FakeExecutor fake("db2");
    fake.expect_run("psql").as(RunAs::Postgres);
    EXPECT_NONFATAL_FAILURE(
        {
            auto result = fake.run(make_command("psql -c 'DROP TABLE x'"));  // as admin
            EXPECT_FALSE(result);
        },
        "unexpected run");
    EXPECT_NONFATAL_FAILURE(fake.verify(), "expected call never made");
}

TEST(ExecFake, ExhaustedOnceExpectationFailsTheTest) {
    FakeExecutor fake;
    fake.expect_run("reload");
    EXPECT_TRUE(fake.run(make_command("reload")));
    EXPECT_NONFATAL_FAILURE({ EXPECT_FALSE(fake.run(make_command("reload"))); }, "unexpected run");
}

TEST(ExecFake, AtLeastOnceAndAny) {
    FakeExecutor fake;
    fake.expect_run("a", command_ok(), Times::AtLeastOnce);
    fake.expect_run("b", command_ok(), Times::Any);
    EXPECT_TRUE(fake.run(make_command("a")));
    EXPECT_TRUE(fake.run(make_command("a")));
    // "b" never used: fine. verify() passes.
    fake.verify();
    FakeExecutor unused;
    unused.expect_run("a", command_ok(), Times::AtLeastOnce);
    EXPECT_NONFATAL_FAILURE(unused.verify(), "expected call never made");
}

TEST(ExecFake, FailsAndActions) {
    FakeExecutor fake;
    fake.expect_run("lost").fails(make_error(ErrorKind::Connect, "db1: lost"));
    fake.expect_run("create").does([&fake](const Command&) {
        fake.add_file("/tmp/created", "yes");
        return Result<CommandResult>(command_ok());
    });
    auto lost = fake.run(make_command("lost"));
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().kind, ErrorKind::Connect);
    EXPECT_TRUE(fake.run(make_command("create")));
    EXPECT_EQ(**fake.read_file("/tmp/created"), "yes");
}

TEST(ExecFake, SimulatedFilesAndIdempotentReRun) {
    FakeExecutor fake;
    fake.add_file("/etc/a.conf", "old\n");
    fake.expect_write("/etc/a.conf").content("new").mode(0640).owner("postgres", "postgres");

    // A "step": write the file unless its content is already right.
    const auto step = [&fake] {
        auto current = fake.read_file("/etc/a.conf");
        ASSERT_TRUE(current);
        if (*current != std::optional<std::string>("new\n")) {
            FileSpec file = make_file("/etc/a.conf", "new\n");
            file.mode = 0640;
            file.owner = "postgres";
            file.group = "postgres";
            ASSERT_TRUE(fake.write_file(file));
        }
    };
    step();
    EXPECT_EQ(fake.mutating_calls(), 1);
    EXPECT_EQ(fake.file("/etc/a.conf")->mode, 0640);
    fake.clear_calls();
    step();  // the re-run sees the change and does nothing
    EXPECT_EQ(fake.mutating_calls(), 0);

    auto missing = fake.read_file("/etc/missing");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
    fake.fail_read("/etc/denied", make_error(ErrorKind::Remote, "permission denied"));
    EXPECT_FALSE(fake.read_file("/etc/denied"));
}

TEST(ExecFake, UnexpectedWriteFailsTheTest) {
    FakeExecutor fake;
    fake.expect_write("/etc/a.conf").mode(0600);
    EXPECT_NONFATAL_FAILURE(
        { EXPECT_FALSE(fake.write_file(make_file("/etc/a.conf", "x"))); },  // mode 0644
        "unexpected write of /etc/a.conf");
    EXPECT_FALSE(fake.file("/etc/a.conf"));
    EXPECT_NONFATAL_FAILURE(fake.verify(), "write /etc/a.conf");
}

TEST(ExecFake, FailingWriteKeepsTheFile) {
    FakeExecutor fake;
    fake.add_file("/etc/a.conf", "old");
    fake.expect_write("/etc/a.conf").fails(make_error(ErrorKind::Remote, "disk full"));
    EXPECT_FALSE(fake.write_file(make_file("/etc/a.conf", "new")));
    EXPECT_EQ(fake.file("/etc/a.conf")->content, "old");
}

TEST(ExecFake, StderrObserverSeesTheResultsErr) {
    FakeExecutor fake;
    fake.expect_run("pg_basebackup", command_failed(0, "12%\n100%\n"));
    std::string seen;
    Command command = make_command("pg_basebackup -P");
    command.on_stderr = [&seen](std::string_view chunk) { seen += chunk; };
    EXPECT_TRUE(fake.run(command));
    EXPECT_EQ(seen, "12%\n100%\n");
}

TEST(ExecFake, HostKeyOnlyWhenScripted) {
    FakeExecutor fake("db3");
    EXPECT_NONFATAL_FAILURE({ EXPECT_FALSE(fake.host_key()); },
                            "FakeExecutor(db3): unexpected host_key()");
    fake.set_host_key("ssh-ed25519 AAAAK");
    EXPECT_EQ(fake.host_key().value(), "ssh-ed25519 AAAAK");
}

TEST(ExecFake, DestructorVerifies) {
    EXPECT_NONFATAL_FAILURE(
        {
            FakeExecutor fake("db3");
            fake.expect_run("never");
        },
        "FakeExecutor(db3): expected call never made");
}

}  // namespace
}  // namespace pgrepl
