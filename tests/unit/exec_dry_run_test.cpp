#include "pgrepl/exec/dry_run.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "support/fake_executor.hpp"

namespace pgrepl {
namespace {

TEST(ExecDryRun, PassesReadOnlyCalls) {
    FakeExecutor fake("db1");
    fake.expect_run("pg_lsclusters", command_ok("15 main"));
    fake.add_file("/etc/x", "content");
    auto guard = make_dry_run_guard(fake);
    EXPECT_EQ(guard->host_name(), "db1");
    Command command;
    command.script = "pg_lsclusters";
    command.purpose = "list clusters";
    auto result = guard->run(command);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->out, "15 main");
    auto file = guard->read_file("/etc/x", RunAs::Postgres);
    ASSERT_TRUE(file);
    EXPECT_EQ(**file, "content");
    EXPECT_EQ(guard->stats().commands, 2);
    fake.set_host_key("ssh-ed25519 AAAAVERIFIED");
    auto key = guard->host_key();
    ASSERT_TRUE(key);
    EXPECT_EQ(*key, "ssh-ed25519 AAAAVERIFIED");
}

TEST(ExecDryRun, MutatingCallsAreBugs) {
    FakeExecutor fake("db2");  // no expectations: the fake must never see these calls
    auto guard = make_dry_run_guard(fake);
    Command command;
    command.script = "systemctl restart postgresql";
    command.mutation = Mutation::Mutating;
    command.purpose = "restart postgres";
    try {
        (void)guard->run(command);
        ADD_FAILURE() << "no exception";
    } catch (const std::logic_error& error) {
        EXPECT_STREQ(error.what(), "BUG: db2: mutating call 'restart postgres' in plan mode");
    }
    FileSpec file;
    file.path = "/etc/postgresql/15/main/conf.d/pgrepl.conf";
    try {
        (void)guard->write_file(file);
        ADD_FAILURE() << "no exception";
    } catch (const std::logic_error& error) {
        EXPECT_STREQ(error.what(),
                     "BUG: db2: mutating call 'write /etc/postgresql/15/main/conf.d/pgrepl.conf' "
                     "in plan mode");
    }
    EXPECT_TRUE(fake.calls().empty());
}

}  // namespace
}  // namespace pgrepl
