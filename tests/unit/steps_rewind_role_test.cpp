// rewind_role step: the role pg_rewind logs in as, with exactly pg_rewind's grants.
#include <gtest/gtest.h>

#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kComplete = "t|t|f|f|t|t|t|t|t\n";

TEST(StepRewindRole, CreatesWithGrantsAndPasswordOnStdinOnly) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.fake()
        .expect_run("'/usr/lib/postgresql/15/bin/psql' -h '/var/run/postgresql' -p 5432")
        .as(RunAs::Postgres)
        .with_stdin(TextMatch::regex(
            "CREATE ROLE \"pgrepl_rewind\" WITH LOGIN NOSUPERUSER NOREPLICATION PASSWORD"))
        .does([&](const Command& command) {
            EXPECT_TRUE(command.secret_stdin);
            EXPECT_EQ(command.script.find("s3cret"), std::string::npos);
            EXPECT_NE(command.stdin_data.find("s3cret''pw"), std::string::npos);
            EXPECT_NE(command.stdin_data.find("GRANT EXECUTE ON FUNCTION "
                                              "pg_catalog.pg_read_binary_file(text, bigint, "
                                              "bigint, boolean) TO \"pgrepl_rewind\""),
                      std::string::npos);
            sim.state().queries["rewind_role"] = kComplete;
            sim.state().login_tests["rewind"] = {true, ""};
            return Result<CommandResult>(command_ok());
        });
    auto step = make_rewind_role_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

// Right after a promotion pg_control still names the old timeline (its first checkpoint is a
// spread one) and pg_rewind would see a former primary on the "same timeline": CHECKPOINT, and
// only that (the role is complete: no ALTER).
TEST(StepRewindRole, ChecksPointsWhenPgControlLagsBehindThePromotion) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().timeline = 2;
    sim.state().queries["rewind_role"] = kComplete;
    sim.state().queries["control_timeline"] = "1\n";
    sim.state().login_tests["rewind"] = {true, ""};
    auto step = make_rewind_role_step();
    const auto planned = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(planned.reason,
              "CHECKPOINT: pg_control shows timeline 1 but the server runs on 2 (promoted; "
              "pg_rewind reads the timeline from pg_control)");
    sim.fake()
        .expect_run("psql")
        .as(RunAs::Postgres)
        .with_stdin("CHECKPOINT;")
        .does([&](const Command&) {
            sim.state().queries["control_timeline"] = "2\n";
            return Result<CommandResult>(command_ok());
        });
    expect_converges(*step, inventory, inventory.hosts[0], sim);
    // A standby's pg_control may lag as it likes: nothing to do there.
    SimHost standby("db1", streaming_standby("7000000000000000001", "10.0.0.12"));
    standby.state().timeline = 2;
    standby.state().queries["rewind_role"] = kComplete;
    standby.state().queries["control_timeline"] = "1\n";
    standby.state().login_tests["rewind"] = {true, ""};
    EXPECT_EQ(run_one(*step, inventory, inventory.hosts[0], standby).status, StepStatus::Ok);
}

TEST(StepRewindRole, GrantsWhatIsMissingOnAnExistingRole) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().queries["rewind_role"] = "t|t|f|f|t|t|f|t|t\n";
    sim.state().login_tests["rewind"] = {true, ""};
    auto step = make_rewind_role_step();
    const auto planned = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_NE(planned.reason.find("1 missing"), std::string::npos) << planned.reason;
    EXPECT_NE(planned.diff.find("+ GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, "
                                "boolean) TO pgrepl_rewind"),
              std::string::npos)
        << planned.diff;
    sim.fake()
        .expect_run("psql")
        .with_stdin("ALTER ROLE \"pgrepl_rewind\"")
        .does([&](const Command&) {
            sim.state().queries["rewind_role"] = kComplete;
            return Result<CommandResult>(command_ok());
        });
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepRewindRole, AltersThePasswordOnlyWhenTheLoginFailsOnIt) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().queries["rewind_role"] = kComplete;
    sim.state().login_tests["rewind"] = {false, "FATAL:  password authentication failed for user"};
    sim.fake()
        .expect_run("psql")
        .with_stdin("ALTER ROLE \"pgrepl_rewind\"")
        .does([&](const Command&) {
            sim.state().login_tests["rewind"] = {true, ""};
            return Result<CommandResult>(command_ok());
        });
    auto step = make_rewind_role_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepRewindRole, RefusesASuperuserAndLeavesAnHbaRejectionAlone) {
    auto inventory = three_host_inventory();
    {
        SimHost sim("db1");
        sim.state().queries["rewind_role"] = "t|t|t|f|t|t|t|t|t\n";
        auto step = make_rewind_role_step();
        const auto report = run_one(*step, inventory, inventory.hosts[0], sim);
        EXPECT_EQ(report.status, StepStatus::Failed);
        EXPECT_TRUE(report.refused());
        EXPECT_NE(report.hint.find("NOSUPERUSER"), std::string::npos);
        EXPECT_EQ(sim.fake().mutating_calls(), 0);
    }
    {
        SimHost sim("db1");
        sim.state().queries["rewind_role"] = kComplete;
        sim.state().login_tests["rewind"] = {
            false, "FATAL:  no pg_hba.conf entry for host \"10.0.0.11\", user \"pgrepl_rewind\""};
        auto step = make_rewind_role_step();
        const auto report = run_one(*step, inventory, inventory.hosts[0], sim);
        EXPECT_EQ(report.status, StepStatus::Failed);
        EXPECT_EQ(sim.fake().mutating_calls(), 0);
    }
}

TEST(StepRewindRole, NothingBefore11) {
    auto loaded = parse_inventory(R"(
postgres: { version: 10 }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
)",
                                  "test.yaml");
    ASSERT_TRUE(loaded.ok());
    SimHost sim("db1");
    auto step = make_rewind_role_step();
    const auto report = run_one(*step, loaded.inventory, loaded.inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
    EXPECT_NE(report.reason.find("pg_rewind needs a superuser before 11"), std::string::npos);
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

}  // namespace
}  // namespace pgrepl::test
