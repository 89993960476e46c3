// The replica step on a standby whose upstream removed WAL it needs (its slot was lost past
// max_slot_wal_keep_size): refused without --force when no archive holds that WAL, re-cloned
// with --force, running or stopped; left alone with an archive (it catches up from it).
#include <gtest/gtest.h>

#include "pgrepl/steps/replica_guard.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kSystem = "7000000000000000001";
constexpr const char* kStandbyConf = "/etc/postgresql/15/main/conf.d/pgrepl-standby.conf";
const std::vector<std::string> kRemovedLog = {
    "LOG:  started streaming WAL from primary at 0/3000000 on timeline 1",
    "FATAL:  could not receive data from WAL stream: ERROR:  requested WAL segment "
    "000000010000000000000003 has already been removed"};

const Host& db3(const Inventory& inventory) {
    return inventory.hosts[2];
}

// db3: a standby of db1 whose settings pgrepl wrote (a first run re-points it), then cannot
// stream: db1 removed the WAL it needs.
void lose_wal(SimHost& sim, const Inventory& inventory) {
    sim.fake().add_file(kStandbyConf, "primary_conninfo = 'host=10.0.0.99'\n");
    sim.fake().expect_write(kStandbyConf);
    sim.fake().expect_write("/var/lib/postgresql/15/main/standby.signal");
    sim.fake().expect_run("reload", command_ok());
    sim.fake().expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok());
    auto repointed = run_one(*make_replica_step(), inventory, db3(inventory), sim);
    EXPECT_EQ(repointed.status, StepStatus::Changed) << repointed.reason;
    sim.fake().clear_calls();
    sim.state().receiver_status = "waiting";
    sim.state().log_tail = kRemovedLog;
}

// The clone of db3 from db1, which then streams.
void expect_reclone(SimHost& sim) {
    auto& fake = sim.fake();
    expect_wipe_and_basebackup(sim, kSystem, "10.0.0.11", "db3");
    fake.expect_write(kStandbyConf).content("host=10.0.0.11");
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal").mode(0600);
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        sim.state().running = true;
        sim.state().receiver_status = "streaming";
        sim.state().log_tail.push_back(kRemovedLog[0]);
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);
}

void expect_nothing_left(SimHost& sim, const Inventory& inventory) {
    for (auto force : {Force::No, Force::Yes}) {
        sim.fake().clear_calls();
        auto again =
            run_one(*make_replica_step(), inventory, db3(inventory), sim, RunMode::Apply, force);
        EXPECT_EQ(again.status, StepStatus::Ok) << again.reason << "\nhint: " << again.hint;
        EXPECT_EQ(sim.fake().mutating_calls(), 0);
    }
}

TEST(ReplicaGuardRemovedWal, DecisionTable) {
    struct Case {
        const char* name;
        const char* status;
        bool removed;
        bool archive;
        Force force;
        ReplicaAction expected;
    };
    const Case cases[] = {
        {"removed, no archive", "waiting", true, false, Force::No, ReplicaAction::Refuse},
        {"removed, no archive, forced", "waiting", true, false, Force::Yes, ReplicaAction::Clone},
        {"removed, archive", "waiting", true, true, Force::No, ReplicaAction::None},
        {"removed, archive, forced", "", true, true, Force::Yes, ReplicaAction::Clone},
        {"streaming again", "streaming", true, false, Force::Yes, ReplicaAction::None},
        {"not streaming, nothing removed", "waiting", false, false, Force::Yes,
         ReplicaAction::None},
    };
    for (const auto& c : cases) {
        ReplicaGuardInput input;
        input.facts.cluster_running = true;
        input.facts.data_dir_has_pg_version = true;
        input.facts.standby_signal = true;
        input.server.emplace();
        input.server->role = LiveRole::Standby;
        input.server->system_identifier = kSystem;
        input.server->receiver = LiveReceiver{c.status, {}, {}, {}, {}};
        input.upstream_system_identifier = kSystem;
        input.standby_files_match = true;
        input.upstream_name = "db1";
        input.host_name = "db3";
        input.upstream_removed_wal = c.removed;
        input.archive = c.archive;
        input.force = c.force;
        const auto decision = decide_replica(input);
        EXPECT_EQ(static_cast<int>(decision.action), static_cast<int>(c.expected)) << c.name;
        if (c.expected == ReplicaAction::Refuse) {
            EXPECT_EQ(decision.hint, "re-clone it: pgrepl setup --force --limit db3");
        }
    }
}

TEST(StepReplicaRemovedWal, RefusedWithoutForceAndNothingChanges) {
    auto inventory = three_host_inventory();
    SimHost sim("db3", streaming_standby(kSystem, "10.0.0.11"));
    lose_wal(sim, inventory);
    for (auto mode : {RunMode::Apply, RunMode::Check}) {
        auto report = run_one(*make_replica_step(), inventory, db3(inventory), sim, mode);
        EXPECT_TRUE(report.refused()) << report.reason;
        EXPECT_EQ(report.reason,
                  "the standby cannot stream: db1 removed WAL it needs, and no archive holds it");
        EXPECT_EQ(report.hint, "re-clone it: pgrepl setup --force --limit db3");
    }
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepReplicaRemovedWal, ForceReclonesTheRunningStandbyThenLeavesItAlone) {
    auto inventory = three_host_inventory();
    SimHost sim("db3", streaming_standby(kSystem, "10.0.0.11"));
    lose_wal(sim, inventory);
    expect_reclone(sim);
    auto forced =
        run_one(*make_replica_step(), inventory, db3(inventory), sim, RunMode::Apply, Force::Yes);
    EXPECT_EQ(forced.status, StepStatus::Changed) << forced.reason << "\nhint: " << forced.hint;
    EXPECT_EQ(forced.reason, "re-clone the standby: db1 removed WAL it needs (--force)");
    expect_nothing_left(sim, inventory);
}

// Stopped, the standby cannot tell: setup starts it; when it then cannot stream because db1
// removed its WAL, --force re-clones it in the same run.
// db3 stopped: starting it works, but it cannot stream (db1 removed the WAL it needs).
void stop_and_expect_a_failing_start(SimHost& sim) {
    sim.state().running = false;
    sim.state().log_tail.clear();
    sim.fake().expect_run("pg_ctlcluster '15' 'main' start").does([&sim](const Command&) {
        sim.state().running = true;
        return Result<CommandResult>(command_ok());
    });
    sim.fake().expect_run("SELECT status FROM pg_stat_wal_receiver",
                          command_failed(1, "wal receiver status: waiting\n"));
    sim.fake().expect_run("tail -n 8", command_ok(kRemovedLog[1] + "\n"));
}

TEST(StepReplicaRemovedWal, ForceReclonesAStoppedStandbyThatCannotStreamOnceStarted) {
    auto inventory = three_host_inventory();
    SimHost sim("db3", streaming_standby(kSystem, "10.0.0.11"));
    lose_wal(sim, inventory);
    stop_and_expect_a_failing_start(sim);
    expect_reclone(sim);
    auto forced =
        run_one(*make_replica_step(), inventory, db3(inventory), sim, RunMode::Apply, Force::Yes);
    EXPECT_EQ(forced.status, StepStatus::Changed) << forced.reason << "\nhint: " << forced.hint;
    EXPECT_EQ(forced.reason, "start the stopped standby of db1");
    expect_nothing_left(sim, inventory);
}

TEST(StepReplicaRemovedWal, WithoutForceAStoppedStandbyThatCannotStreamFails) {
    auto inventory = three_host_inventory();
    SimHost sim("db3", streaming_standby(kSystem, "10.0.0.11"));
    lose_wal(sim, inventory);
    stop_and_expect_a_failing_start(sim);
    auto report = run_one(*make_replica_step(), inventory, db3(inventory), sim);
    EXPECT_EQ(report.status, StepStatus::Failed) << report.reason;
    EXPECT_NE(report.hint.find("has already been removed"), std::string::npos) << report.hint;
}

}  // namespace
}  // namespace pgrepl::test
