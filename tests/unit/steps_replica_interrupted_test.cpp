// The replica step after an interrupted run (pgrepl killed during pg_basebackup, or between
// the clone and the standby's first start): its own clone is recognised by the clone marker
// and cloned again without --force; anything else in the data directory is still refused.
#include <gtest/gtest.h>

#include "pgrepl/steps/clone_marker.hpp"
#include "pgrepl/steps/replica_guard.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kPrimaryId = "7111111111111111111";
constexpr const char* kOtherId = "7333333333333333333";
constexpr const char* kMarker = "/etc/postgresql/15/main/pgrepl.cloning";
constexpr const char* kStandbyConf = "/etc/postgresql/15/main/conf.d/pgrepl-standby.conf";
constexpr const char* kDataDir = "/var/lib/postgresql/15/main";

std::string marker_of(const std::string& system_identifier) {
    return render_clone_marker({"db1", system_identifier, kDataDir, "2026-12-01T21:00:00Z",
                                "pgrepl clone begun 2026-12-01T21:00:00Z"});
}

// db2 as a killed run left it: stopped, PG_VERSION there, no standby.signal. `system_identifier`
// is what pg_controldata says ("" while pg_control was not copied yet).
SimState interrupted(const std::string& system_identifier, bool backup_label = true) {
    SimState state;
    state.running = false;
    state.role = LiveRole::Unknown;
    state.system_identifier = system_identifier;
    state.backup_label = backup_label;
    state.login = HostSnapshot::Login{true, kPrimaryId, "1", ""};
    return state;
}

// The clone marker the killed run left next to the data directory.
void add_marker(SimHost& sim, const std::string& marker_id = kPrimaryId) {
    sim.fake().add_file(kMarker, marker_of(marker_id));
}

// The clone's commands, in order; the start makes db2 a streaming standby of db1.
void expect_reclone(SimHost& sim) {
    auto& fake = sim.fake();
    fake.expect_run("find '/var/lib/postgresql/15/main' -mindepth 1 -delete");
    expect_clone_marker(fake, kPrimaryId);
    fake.expect_run("pg_basebackup").as(RunAs::Postgres).does([](const Command& c) {
        EXPECT_NE(c.script.find(" -l 'pgrepl clone begun 20"), std::string::npos) << c.script;
        return Result<CommandResult>(command_ok());
    });
    fake.expect_write(kStandbyConf);
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal");
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        sim.state() = streaming_standby(kPrimaryId, "10.0.0.11");
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);
}

TEST(CloneMarker, RendersAndParses) {
    const CloneMarker marker{"db1", kPrimaryId, kDataDir, "2026-12-01T21:00:00Z", "L"};
    const auto parsed = parse_clone_marker(render_clone_marker(marker));
    EXPECT_EQ(parsed.upstream, "db1");
    EXPECT_EQ(parsed.system_identifier, kPrimaryId);
    EXPECT_EQ(parsed.data_directory, kDataDir);
    EXPECT_EQ(parsed.started, "2026-12-01T21:00:00Z");
    EXPECT_EQ(parse_clone_marker("garbage\n").system_identifier, "");
    const auto now = new_clone_marker("db1", kPrimaryId, kDataDir);
    EXPECT_EQ(now.started.size(), 20u) << now.started;
    EXPECT_EQ(now.label, "pgrepl clone begun " + now.started);
    EXPECT_EQ(parse_clone_marker(render_clone_marker(now)).label, now.label);
}

TEST(StepReplicaInterrupted, ACompleteCloneNeverStartedIsClonedAgainThenLeftAlone) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", interrupted(kPrimaryId));
    add_marker(sim);
    expect_reclone(sim);
    auto step = make_replica_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
    EXPECT_FALSE(sim.fake().file(kMarker));
}

TEST(StepReplicaInterrupted, ACopyCutShortIsClonedAgain) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", interrupted("", false));
    add_marker(sim);  // no pg_control yet
    expect_reclone(sim);
    auto step = make_replica_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

TEST(StepReplicaInterrupted, CheckModeSaysItWouldCloneAgain) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", interrupted(kPrimaryId));
    add_marker(sim);
    auto step = make_replica_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Check);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << report.hint;
    EXPECT_FALSE(report.refused());
    EXPECT_NE(report.reason.find("re-clone db1 into the data directory of pgrepl's interrupted "
                                 "clone (begun 2026-12-01T21:00:00Z)"),
              std::string::npos)
        << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepReplicaInterrupted, AnotherSystemsDataWithTheMarkerIsRefused) {
    auto inventory = three_host_inventory();
    for (auto mode : {RunMode::Apply, RunMode::Check}) {
        SimHost sim("db2", interrupted(kOtherId));
        add_marker(sim);
        auto step = make_replica_step();
        auto report = run_one(*step, inventory, inventory.hosts[1], sim, mode);
        EXPECT_EQ(report.status, StepStatus::Failed);
        EXPECT_TRUE(report.refused());
        EXPECT_NE(report.reason.find("refusing to replace a stopped primary (system identifier "
                                     "7333333333333333333"),
                  std::string::npos)
            << report.reason;
        EXPECT_EQ(sim.fake().mutating_calls(), 0);
    }
}

TEST(StepReplicaInterrupted, AMarkerOfAnotherUpstreamSystemIsRefused) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", interrupted(kPrimaryId));
    add_marker(sim, kOtherId);
    auto step = make_replica_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_TRUE(report.refused()) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepReplicaInterrupted, AStartedCloneIsNoLongerPgreplsToReplace) {
    // Same system, but backup_label is gone: the server ran (a primary of this very cluster).
    auto inventory = three_host_inventory();
    SimHost sim("db2", interrupted(kPrimaryId, false));
    add_marker(sim);
    auto step = make_replica_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_TRUE(report.refused()) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepReplicaInterrupted, WaitsForTheEarlierBaseBackupToEndThenClones) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", interrupted("", false));
    add_marker(sim);
    sim.state().basebackup_pids = "4242 4243";
    auto& fake = sim.fake();
    fake.expect_run("for p in 4242 4243; do")
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            // Its own processes are known by the label, stopped when their run is gone.
            EXPECT_NE(c.script.find("label='pgrepl clone begun 2026-12-01T21:00:00Z'"),
                      std::string::npos)
                << c.script;
            sim.state().basebackup_pids.clear();
            return Result<CommandResult>(command_ok());
        });
    expect_reclone(sim);
    auto step = make_replica_step();
    auto check = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Check);
    EXPECT_NE(check.reason.find("once the pg_basebackup still writing into it (pid 4242, 4243) "
                                "ends"),
              std::string::npos)
        << check.reason;
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

TEST(StepReplicaInterrupted, AnEarlierBaseBackupThatGoesOnFailsTheStep) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", interrupted("", false));
    add_marker(sim);
    sim.state().basebackup_pids = "4242";
    sim.fake().expect_run("for p in 4242; do",
                          command_failed(1, "pg_basebackup still running after 30 s: pid 4242"));
    auto step = make_replica_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_FALSE(report.refused());
    EXPECT_NE(report.reason.find("pg_basebackup still running after 30 s: pid 4242"),
              std::string::npos)
        << report.reason;
    EXPECT_NE(report.hint.find("kill 4242"), std::string::npos) << report.hint;
    EXPECT_EQ(sim.fake().mutating_calls(), 1);  // that attempt only: nothing was wiped
}

TEST(StepReplicaInterrupted, SomeoneElsesBaseBackupIntoTheDataDirectoryIsRefused) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", interrupted("", false));
    add_marker(sim);
    sim.fake().remove_file(kMarker);
    sim.state().basebackup_pids = "4242";
    auto step = make_replica_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_TRUE(report.refused());
    EXPECT_NE(report.reason.find("pg_basebackup (pid 4242) is writing into"), std::string::npos)
        << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepReplicaInterrupted, AStreamingStandbyLosesTheMarkerLeftBehind) {
    // Killed after the clone started as a standby: the marker was left behind.
    auto inventory = three_host_inventory();
    SimHost sim("db2", streaming_standby(kPrimaryId, "10.0.0.11"));
    auto& fake = sim.fake();
    auto expect_removal = [&] {
        fake.expect_run("rm -f '/etc/postgresql/15/main/pgrepl.cloning'").does([&](const Command&) {
            fake.remove_file(kMarker);
            return Result<CommandResult>(command_ok());
        });
    };
    auto step = make_replica_step();
    // Its settings differ: re-pointed, then the marker goes.
    fake.add_file(kMarker, marker_of(kPrimaryId));
    fake.expect_write(kStandbyConf);
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal");
    fake.expect_run("reload");
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);
    expect_removal();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
    // Its settings are right: only the marker goes.
    fake.add_file(kMarker, marker_of(kPrimaryId));
    expect_removal();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Check);
    EXPECT_EQ(report.reason, "the clone streams from db1: remove pgrepl's clone marker");
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

TEST(StepReplicaInterrupted, AStartedCloneThatDoesNotStreamYetIsWaitedForThenLosesTheMarker) {
    // The killed run's pg_ctlcluster start outlived it: a standby still catching up, marker left
    // (found by the crash-point sweep: the re-run left the marker, the run after it removed it).
    auto inventory = three_host_inventory();
    auto state = streaming_standby(kPrimaryId, "10.0.0.11");
    state.receiver_status = "";
    SimHost sim("db2", state);
    auto& fake = sim.fake();
    auto step = make_replica_step();
    fake.add_file(kMarker, marker_of(kPrimaryId));
    // Its settings are right (written by the killed run): settle them first, as above.
    fake.expect_write(kStandbyConf);
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal");
    fake.expect_run("reload");
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce)
        .does([&](const Command&) {
            sim.state().receiver_status = "streaming";
            return Result<CommandResult>(command_ok());
        });
    fake.expect_run("rm -f '/etc/postgresql/15/main/pgrepl.cloning'").does([&](const Command&) {
        fake.remove_file(kMarker);
        return Result<CommandResult>(command_ok());
    });
    expect_converges(*step, inventory, inventory.hosts[1], sim);

    // Its settings in place now: waited for, then only the marker goes.
    fake.add_file(kMarker, marker_of(kPrimaryId));
    sim.state().receiver_status = "";
    auto report = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Check);
    EXPECT_EQ(report.reason,
              "the clone runs as a standby of db1 (wal receiver: not running): wait until it "
              "streams, then remove pgrepl's clone marker");
    fake.expect_run("rm -f '/etc/postgresql/15/main/pgrepl.cloning'").does([&](const Command&) {
        fake.remove_file(kMarker);
        return Result<CommandResult>(command_ok());
    });
    fake.clear_calls();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(sim.state().receiver_status, "streaming");
}

// The guard's decisions on an interrupted clone.
TEST(ReplicaGuard, InterruptedClone) {
    struct Case {
        const char* name;
        const char* system_identifier;  // pg_controldata's ("" : no pg_control yet)
        bool backup_label;
        const char* marker_id;  // nullptr: no marker
        const char* pids;
        ReplicaAction expected;
    } cases[] = {
        {"interrupted clone", "A", true, "A", "", ReplicaAction::Clone},
        {"copy cut short", "", false, "A", "", ReplicaAction::Clone},
        {"same marker, other system", "C", true, "A", "", ReplicaAction::Refuse},
        {"marker of another upstream", "A", true, "C", "", ReplicaAction::Refuse},
        {"started since (no backup_label)", "A", false, "A", "", ReplicaAction::Refuse},
        {"no marker, stopped primary", "A", true, nullptr, "", ReplicaAction::Refuse},
        {"no marker, copy cut short", "", false, nullptr, "", ReplicaAction::Refuse},
        {"earlier pg_basebackup running", "", false, "A", "1", ReplicaAction::Clone},
        {"foreign pg_basebackup running", "", false, nullptr, "1", ReplicaAction::Refuse},
    };
    for (const auto& c : cases) {
        ReplicaGuardInput input;
        input.facts.data_dir_has_pg_version = true;
        input.facts.system_identifier = c.system_identifier;
        input.facts.backup_label = c.backup_label;
        if (*c.pids) input.facts.basebackup_pids = {c.pids};
        if (c.marker_id) input.clone_marker = CloneMarker{"db1", c.marker_id, kDataDir, "", ""};
        input.upstream_system_identifier = "A";
        input.upstream_name = "db1";
        EXPECT_EQ(static_cast<int>(decide_replica(input).action), static_cast<int>(c.expected))
            << c.name;
    }
    ReplicaGuardInput unknown;  // the upstream cannot be asked: wait, do not refuse
    unknown.facts.data_dir_has_pg_version = true;
    unknown.facts.system_identifier = "A";
    unknown.facts.backup_label = true;
    unknown.clone_marker = CloneMarker{"db1", "A", kDataDir, "", ""};
    EXPECT_EQ(decide_replica(unknown).action, ReplicaAction::Wait);
}

}  // namespace
}  // namespace pgrepl::test
