// A new replica's first run: its cluster is created stopped, with pgrepl's fresh marker naming
// its system identifier, and the replica step clones over it without ever starting it; a
// never-started cluster that pgrepl did not mark is started once to be inspected, as before.
#include <gtest/gtest.h>

#include <algorithm>

#include "pgrepl/steps/replica_guard.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kPrimaryId = "7111111111111111111";
constexpr const char* kNewId = "7222222222222222222";
constexpr const char* kFresh = "/etc/postgresql/15/main/pgrepl.fresh";
constexpr const char* kHba = "/etc/postgresql/15/main/pg_hba.conf";

// db2 with no cluster yet; db1 answers its replication login.
SimState bare_state() {
    SimState state;
    state.cluster_exists = false;
    state.running = false;
    state.system_identifier = kNewId;
    state.login = HostSnapshot::Login{true, kPrimaryId, "1", ""};
    return state;
}

// db2's cluster as pg_createcluster left it: stopped, never started.
SimState never_started_state() {
    auto state = bare_state();
    state.cluster_exists = true;
    state.never_started = true;
    return state;
}

int count_runs(const std::vector<FakeExecutor::Call>& calls, const std::string& text) {
    return static_cast<int>(std::count_if(calls.begin(), calls.end(), [&](const auto& call) {
        return call.kind == FakeExecutor::Call::Kind::Run &&
               call.command.script.find(text) != std::string::npos;
    }));
}

TEST(ReplicaFirstRun, ANewReplicaIsClonedWithoutAThrowawayStart) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", bare_state());
    auto& fake = sim.fake();
    fake.expect_run("pg_createcluster -p 5432 '15' 'main' -- --no-sync").does([&](const Command&) {
        sim.state().cluster_exists = true;
        sim.state().never_started = true;
        fake.add_file(kFresh, std::string(kNewId) + "\n");
        fake.add_file(kHba, "local all postgres peer\n", 0640, "postgres", "postgres");
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("install -d").mutation(Mutation::Mutating);
    fake.expect_write("/etc/postgresql/15/main/conf.d/pgrepl.conf");
    fake.expect_write(kHba);
    fake.expect_write("/var/lib/postgresql/.pgrepl-15-main.pgpass");
    fake.expect_run(TextMatch::regex("find '/var/lib/postgresql/15/main' -mindepth 1 -delete && "
                                     "rm -f '/etc/postgresql/15/main/pgrepl.fresh'"))
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            EXPECT_EQ(c.script.find("stop"), std::string::npos) << "nothing runs: " << c.script;
            fake.remove_file(kFresh);
            sim.state().pg_version_file = false;
            return Result<CommandResult>(command_ok());
        });
    expect_clone_marker(fake, kPrimaryId);
    fake.expect_run("pg_basebackup").as(RunAs::Postgres).does([&](const Command&) {
        sim.state().pg_version_file = true;
        sim.state().backup_label = true;
        sim.state().system_identifier = kPrimaryId;
        return Result<CommandResult>(command_ok());
    });
    fake.expect_write("/etc/postgresql/15/main/conf.d/pgrepl-standby.conf");
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal");
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        auto& s = sim.state();
        s.running = true;
        s.never_started = false;
        s.backup_label = false;
        s.role = LiveRole::Standby;
        s.standby_signal = true;
        s.receiver_status = "streaming";
        s.receiver_host = "10.0.0.11";
        // It runs with the managed settings (a standby reads its pg_settings).
        for (const auto& setting : desired_settings(inventory, inventory.hosts[1])) {
            s.queries["settings"] += setting.name + "|x||sighup|configuration file|" +
                                     "/etc/postgresql/15/main/conf.d/pgrepl.conf|3|f\n";
        }
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);

    std::vector<std::unique_ptr<Step>> steps;
    steps.push_back(make_cluster_step());
    steps.push_back(make_settings_step());
    steps.push_back(make_hba_step());
    steps.push_back(make_passfile_step());
    steps.push_back(make_replica_step());
    ClusterView view;
    ChainInput input{inventory, inventory.hosts[1], fake,      view,
                     "pw",      RunMode::Apply,     Force::No, std::nullopt};
    auto result = run_chain(steps, input, nullptr);
    ASSERT_FALSE(result.failed);
    for (const auto& report : result.reports)
        EXPECT_EQ(report.status, StepStatus::Changed) << report.step << ": " << report.reason;
    EXPECT_EQ(count_runs(fake.calls(), "pg_ctlcluster"), 1) << "one start: the standby's";
    EXPECT_EQ(count_runs(fake.calls(), "reload"), 0) << "nothing to reload while it is stopped";

    fake.clear_calls();
    auto again = run_chain(steps, input, nullptr);
    for (const auto& report : again.reports) {
        EXPECT_EQ(report.status, StepStatus::Ok)
            << report.step << ": " << report.reason << " " << report.hint;
    }
    EXPECT_EQ(fake.mutating_calls(), 0);
}

/// A first clone that fails with `first_error` on its first pg_basebackup, which is tried again
/// and converges.
void expect_clone_tried_again(const std::string& first_error) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", never_started_state());
    auto& fake = sim.fake();
    fake.add_file(kFresh, std::string(kNewId) + "\n");
    fake.expect_run("find '/var/lib/postgresql/15/main' -mindepth 1 -delete").does([&](auto&) {
        fake.remove_file(kFresh);
        sim.state().pg_version_file = false;
        return Result<CommandResult>(command_ok());
    });
    expect_clone_marker(fake, kPrimaryId);
    int attempts = 0;
    fake.expect_run("pg_basebackup", command_ok(), Times::AtLeastOnce)
        .as(RunAs::Postgres)
        .does([&](const Command&) {
            if (++attempts == 1) {
                return Result<CommandResult>(command_failed(1, first_error));
            }
            sim.state().pg_version_file = true;
            return Result<CommandResult>(command_ok());
        });
    fake.expect_write("/etc/postgresql/15/main/conf.d/pgrepl-standby.conf");
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal");
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        sim.state() = streaming_standby(kPrimaryId, "10.0.0.11");
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);
    auto step = make_replica_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(attempts, 2);
}

TEST(ReplicaFirstRun, ACloneRefusedForWantOfAWalSenderIsTriedAgain) {
    expect_clone_tried_again(
        "pg_basebackup: error: connection to server at \"10.0.0.11\", port 5432 failed: FATAL:  "
        "number of requested standby connections exceeds max_wal_senders (currently 10)\n");
}

TEST(ReplicaFirstRun, ACloneWhoseStartWalWasRemovedIsTriedAgain) {
    // Without a slot of its own, another clone's checkpoint may recycle the segment this
    // backup starts in before its temporary slot holds it.
    expect_clone_tried_again(
        "pg_basebackup: error: could not receive data from WAL stream: ERROR:  requested WAL "
        "segment 000000010000000000000003 has already been removed\n"
        "pg_basebackup: error: background process terminated unexpectedly\n");
}

TEST(ReplicaFirstRun, TheGuardClonesOverItsOwnFreshClusterOnceTheUpstreamAnswers) {
    ReplicaGuardInput input;
    input.facts.data_dir_has_pg_version = true;
    input.facts.never_started = true;
    input.facts.system_identifier = kNewId;
    input.fresh_created = true;
    input.upstream_name = "db1";
    EXPECT_EQ(decide_replica(input).action, ReplicaAction::Wait);
    input.upstream_system_identifier = kPrimaryId;
    EXPECT_EQ(decide_replica(input).action, ReplicaAction::Clone);
    input.fresh_created = false;  // the same directory without the marker: a stopped primary
    EXPECT_EQ(decide_replica(input).action, ReplicaAction::Refuse);
}

TEST(ReplicaFirstRun, AMarkerOfAnotherSystemIsNotTrusted) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", never_started_state());
    sim.fake().add_file(kFresh, "7333333333333333333\n");
    auto step = make_replica_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(report.status, StepStatus::Failed) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(ReplicaFirstRun, AnUnmarkedNeverStartedClusterIsStartedOnceToBeInspected) {
    auto inventory = three_host_inventory();
    for (const auto& marker : {std::optional<std::string>(), std::optional<std::string>("7\n")}) {
        SimHost sim("db2", never_started_state());
        if (marker) sim.fake().add_file(kFresh, *marker);
        sim.fake().expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
            sim.state().running = true;
            sim.state().never_started = false;
            return Result<CommandResult>(command_ok());
        });
        auto step = make_cluster_step();
        expect_converges(*step, inventory, inventory.hosts[1], sim);
    }
}

TEST(ReplicaFirstRun, AMarkedOrRestoredNeverStartedClusterIsNotStarted) {
    auto inventory = three_host_inventory();
    SimHost marked("db2", never_started_state());
    marked.fake().add_file(kFresh, std::string(kNewId) + "\n");
    SimHost restored("db2", never_started_state());
    restored.state().backup_label = true;  // a base backup restored by hand
    for (auto* sim : {&marked, &restored}) {
        auto step = make_cluster_step();
        auto report = run_one(*step, inventory, inventory.hosts[1], *sim);
        EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
        EXPECT_EQ(sim->fake().mutating_calls(), 0);
    }
}

}  // namespace
}  // namespace pgrepl::test
