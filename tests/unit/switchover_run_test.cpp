// run_switchover against simulated hosts: --check changes nothing; the abort when the target
// does not reach the shutdown checkpoint (the old primary is started again, nothing is done to
// the standbys); a stop that fails while the server still runs changes nothing; a switchover
// to the primary itself has nothing to do.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>

#include "pgrepl/switchover/switchover.hpp"
#include "promote_test_util.hpp"
#include "support/borrowed_executor.hpp"
#include "support/sim_host.hpp"

namespace pgrepl::promote_test {
namespace {

using test::SimHost;
using test::SimState;

SimState primary_state() {
    SimState state;
    state.system_identifier = kSystem;
    state.current_lsn = "0/5000060";
    state.queries["switchover_facts"] = "10|10|2||off|f|0|\n";
    return state;
}

SimState standby_state() {
    SimState state = test::streaming_standby(kSystem, "10.0.0.11");
    state.receive_lsn = "0/5000060";
    state.replay_lsn = "0/5000060";
    state.primary_conninfo = "host=10.0.0.11 port=5432";
    state.queries["switchover_facts"] = "10|10|0||off|f|0|\n";
    return state;
}

struct Lab {
    std::map<std::string, std::unique_ptr<SimHost>> hosts;

    Lab() {
        hosts["db1"] = std::make_unique<SimHost>("db1", primary_state());
        hosts["db2"] = std::make_unique<SimHost>("db2", standby_state());
        hosts["db3"] = std::make_unique<SimHost>("db3", standby_state());
    }
    ExecutorFactory factory() {
        return [this](const Host& host) -> Result<std::unique_ptr<Executor>> {
            return std::unique_ptr<Executor>(
                std::make_unique<test::BorrowedExecutor>(hosts.at(host.name)->fake()));
        };
    }
    SimHost& operator[](const std::string& name) { return *hosts.at(name); }
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

SwitchoverOptions to_db2(RunMode mode = RunMode::Apply) {
    SwitchoverOptions options;
    options.target = "db2";
    options.mode = mode;
    options.timeout = std::chrono::seconds(2);
    return options;
}

TEST(SwitchoverRun, CheckShowsThePlanAndChangesNothing) {
    Lab lab;
    std::ostringstream out;
    const auto report = run_switchover(three_hosts(), to_db2(RunMode::Check), lab.factory(), out);
    EXPECT_EQ(report.exit_code, ExitCode::Ok) << out.str();
    EXPECT_EQ(report.outcome, SwitchoverOutcome::Decided);
    EXPECT_TRUE(has(out.str(), "plan: switch over from db1 to db2")) << out.str();
    EXPECT_TRUE(has(out.str(), "check: nothing was changed")) << out.str();
    for (const auto& [name, sim] : lab.hosts) EXPECT_EQ(sim->fake().mutating_calls(), 0) << name;
}

TEST(SwitchoverRun, ToThePrimaryItselfHasNothingToDoAndChangesNothing) {
    Lab lab;
    std::ostringstream out;
    SwitchoverOptions options = to_db2();
    options.target = "db1";
    const auto report = run_switchover(three_hosts(), options, lab.factory(), out);
    EXPECT_EQ(report.exit_code, ExitCode::Ok) << out.str();
    EXPECT_EQ(report.decision.verdict, SwitchoverVerdict::Done) << out.str();
    EXPECT_EQ(report.outcome, SwitchoverOutcome::Decided);
    EXPECT_TRUE(has(out.str(),
                    "done: db1 already is the primary and every other host streams in "
                    "its topology (db2 from db1, db3 from db1): nothing to do"))
        << out.str();
    EXPECT_TRUE(has(out.str(), "inventory: up to date with the new topology")) << out.str();
    for (const auto& [name, sim] : lab.hosts) EXPECT_EQ(sim->fake().mutating_calls(), 0) << name;
}

TEST(SwitchoverRun, TargetThatDoesNotCatchUpAbortsAndTheOldPrimaryComesBack) {
    Lab lab;
    lab["db1"].fake().expect_run("-c CHECKPOINT").as(RunAs::Postgres).mutation(Mutation::Mutating);
    lab["db1"]
        .fake()
        .expect_run("stop -m fast",
                    command_ok("@@stopped\n@@state shut down\n@@checkpoint 0/5000060\n"))
        .mutation(Mutation::Mutating)
        .does([&](const Command&) {
            lab["db1"].state().running = false;
            lab["db1"].state().standby_signal = true;
            return Result<CommandResult>(
                command_ok("@@stopped\n@@state shut down\n@@checkpoint 0/5000060\n"));
        });
    lab["db2"]
        .fake()
        .expect_run("pg_last_wal_replay_lsn() > '0/5000060'::pg_lsn",
                    command_failed(3, "ERROR:  not held\n", "0/5000060|0/5000060|end\n"))
        .as(RunAs::Postgres);
    lab["db1"]
        .fake()
        .expect_run("rm -f \"$D/standby.signal\"", command_ok("f\n"))
        .mutation(Mutation::Mutating);
    std::ostringstream out;
    const auto report = run_switchover(three_hosts(), to_db2(), lab.factory(), out);
    const std::string text = out.str();
    EXPECT_EQ(report.exit_code, ExitCode::Failed) << text;
    EXPECT_EQ(report.outcome, SwitchoverOutcome::Aborted);
    EXPECT_TRUE(has(text,
                    "db1: stopped (fast shutdown; cluster state: shut down; shutdown "
                    "checkpoint 0/5000060), standby.signal written"))
        << text;
    EXPECT_TRUE(has(text,
                    "abort: db2 did not reach db1's shutdown checkpoint 0/5000060 within "
                    "2 s (received 0/5000060, replayed 0/5000060)"))
        << text;
    EXPECT_TRUE(has(text, "db1: started again as the primary (standby.signal removed)")) << text;
    EXPECT_TRUE(has(text, "nothing was lost; db1 is the primary, db2 its standby")) << text;
    EXPECT_EQ(lab["db2"].fake().mutating_calls(), 0);
    EXPECT_EQ(lab["db3"].fake().mutating_calls(), 0);
}

TEST(SwitchoverRun, AStopThatLeavesThePrimaryRunningChangesNothing) {
    Lab lab;
    lab["db1"].fake().expect_run("-c CHECKPOINT").as(RunAs::Postgres).mutation(Mutation::Mutating);
    lab["db1"]
        .fake()
        .expect_run("stop -m fast", command_failed(3, "PostgreSQL still runs 120 s after\n"))
        .mutation(Mutation::Mutating);
    std::ostringstream out;
    const auto report = run_switchover(three_hosts(), to_db2(), lab.factory(), out);
    const std::string text = out.str();
    EXPECT_EQ(report.exit_code, ExitCode::Failed) << text;
    EXPECT_EQ(report.outcome, SwitchoverOutcome::Failed);
    EXPECT_TRUE(has(text, "failed: db1: stop: exit 3: PostgreSQL still runs 120 s after")) << text;
    EXPECT_TRUE(has(text, "db1 still runs as the primary: nothing was changed")) << text;
    EXPECT_EQ(lab["db2"].fake().mutating_calls(), 0);
    EXPECT_EQ(lab["db3"].fake().mutating_calls(), 0);
}

}  // namespace
}  // namespace pgrepl::promote_test
