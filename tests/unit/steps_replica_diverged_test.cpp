// The replica step on a standby that diverged from its upstream's timeline (after
// `pgrepl promote db2 --force` while db3 held WAL that db2 never received).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/steps/replica_guard.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kSystem = "7111111111111111111";
constexpr const char* kStandbyConf = "/etc/postgresql/15/main/conf.d/pgrepl-standby.conf";
constexpr const char* kTimelineQuery = "standby-timeline";
constexpr const char* kRefusal =
    "refusing to re-point a standby that diverged from db2's history: it replayed up to "
    "0/5000100 on timeline 1, but db2's timeline 2 forked from timeline 1 at 0/5000000";
constexpr const char* kHint =
    "it cannot follow db2: re-clone it with pgrepl setup --force --limit db3 (its data "
    "directory is replaced by a base backup of db2)";
constexpr const char* kClone = "re-clone the standby that diverged from db2's history (--force)";

// The inventory after the promotion: db2 is the primary, db3 one of its replicas.
Inventory promoted_inventory(const char* version = "15") {
    auto loaded = parse_inventory(fmt::format(R"(
postgres: {{ version: {} }}
hosts:
  - {{ name: db1, address: 10.0.0.11, role: replica }}
  - {{ name: db2, address: 10.0.0.12, role: primary }}
  - {{ name: db3, address: 10.0.0.13, role: replica }}
)",
                                              version),
                                  "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

const Host& db3(const Inventory& inventory) {
    return inventory.hosts[2];
}

// db2 answers the replication login on timeline 2, which forked from timeline 1 at 0/5000000.
HostSnapshot::Login upstream_on_timeline_2() {
    HostSnapshot::Login login(true, kSystem, "2", "");
    login.xlogpos = "0/5000148";
    login.timeline_history = "1\t0/5000000\tno recovery target specified\n";
    return login;
}

// db3: a running standby of the same system, still pointing at the old primary db1, whose
// standby-timeline query prints `replay_and_timeline`.
SimState standby_state(const std::string& replay_and_timeline) {
    SimState state;
    state.role = LiveRole::Standby;
    state.system_identifier = kSystem;
    state.standby_signal = true;
    state.receiver_status = "waiting";
    state.receiver_host = "10.0.0.11";
    state.queries[kTimelineQuery] = replay_and_timeline;
    state.login = upstream_on_timeline_2();
    return state;
}

// db3's standby settings on disk: they still name the old primary db1.
void add_old_settings(SimHost& sim) {
    sim.fake().add_file(kStandbyConf, "primary_conninfo = 'host=10.0.0.11'\n");
}

TEST(StepReplicaDiverged, RefusesWithoutForceAndChangesNothing) {
    auto inventory = promoted_inventory();
    SimHost sim("db3", standby_state("0/5000100|1\n"));
    add_old_settings(sim);
    auto step = make_replica_step();
    for (auto mode : {RunMode::Apply, RunMode::Check}) {
        auto report = run_one(*step, inventory, db3(inventory), sim, mode);
        EXPECT_EQ(report.status, StepStatus::Failed);
        EXPECT_TRUE(report.refused());
        EXPECT_EQ(report.reason, kRefusal);
        EXPECT_EQ(report.hint, kHint);
    }
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepReplicaDiverged, RefusesEvenWhenItsSettingsAlreadyPointAtTheUpstream) {
    auto inventory = promoted_inventory();
    SimHost sim("db3", standby_state("0/5000100|1\n"));
    add_old_settings(sim);
    // Let a first (forced) run write the desired settings, as a re-pointing would have.
    sim.fake().expect_write(kStandbyConf);
    sim.fake().expect_write("/var/lib/postgresql/15/main/standby.signal");
    sim.fake().expect_run("reload", command_ok(), Times::Any);
    sim.fake().expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::Any);
    sim.state().queries[kTimelineQuery] = "0/5000000|1\n";  // not diverged yet: re-point it
    auto step = make_replica_step();
    auto repointed = run_one(*step, inventory, db3(inventory), sim);
    EXPECT_EQ(repointed.status, StepStatus::Changed) << repointed.reason << repointed.hint;

    sim.state().queries[kTimelineQuery] = "0/5000100|1\n";  // now it is
    sim.fake().clear_calls();
    auto report = run_one(*step, inventory, db3(inventory), sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_TRUE(report.refused());
    EXPECT_EQ(report.reason, kRefusal);
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepReplicaDiverged, ForceReclonesTheRunningStandbyThenLeavesItAlone) {
    auto inventory = promoted_inventory();
    SimHost sim("db3", standby_state("0/5000100|1\n"));
    add_old_settings(sim);
    auto& fake = sim.fake();

    auto check =
        run_one(*make_replica_step(), inventory, db3(inventory), sim, RunMode::Check, Force::Yes);
    EXPECT_EQ(check.status, StepStatus::Changed) << check.reason << check.hint;
    EXPECT_EQ(check.reason, kClone);
    EXPECT_EQ(fake.mutating_calls(), 0);

    expect_wipe_and_basebackup(sim, kSystem, "10.0.0.12", "db3");
    fake.expect_write(kStandbyConf).content("host=10.0.0.12");
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal").mode(0600);
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        auto& s = sim.state();
        s.running = true;
        s.receiver_status = "streaming";
        s.receiver_host = "10.0.0.12";
        s.queries[kTimelineQuery] = "0/5000300|2\n";
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);

    auto step = make_replica_step();
    auto forced = run_one(*step, inventory, db3(inventory), sim, RunMode::Apply, Force::Yes);
    EXPECT_EQ(forced.status, StepStatus::Changed) << forced.reason << "\nhint: " << forced.hint;
    EXPECT_EQ(forced.reason, kClone);

    // The running standby is stopped before its data directory is emptied, in one command
    // that a dropped session does not cut short.
    bool stopped_then_wiped = false;
    for (const auto& call : fake.calls()) {
        const auto& script = call.command.script;
        const auto stop = script.find("pg_ctlcluster '15' 'main' stop -m fast && ");
        const auto wipe = script.find("-mindepth 1 -delete");
        if (stop != std::string::npos && wipe != std::string::npos && stop < wipe &&
            script.starts_with("trap '' HUP PIPE; "))
            stopped_then_wiped = true;
    }
    EXPECT_TRUE(stopped_then_wiped);

    // Re-run, with and without --force: nothing left to do.
    for (auto force : {Force::No, Force::Yes}) {
        fake.clear_calls();
        auto again = run_one(*step, inventory, db3(inventory), sim, RunMode::Apply, force);
        EXPECT_EQ(again.status, StepStatus::Ok) << again.reason << "\nhint: " << again.hint;
        EXPECT_EQ(fake.mutating_calls(), 0);
    }
}

TEST(StepReplicaDiverged, AStandbyAtTheForkPointIsRepointed) {
    auto inventory = promoted_inventory();
    SimHost sim("db3", standby_state("0/5000000|1\n"));
    add_old_settings(sim);
    sim.fake().expect_write(kStandbyConf).content("host=10.0.0.12");
    sim.fake().expect_write("/var/lib/postgresql/15/main/standby.signal");
    sim.fake().expect_run("reload").does([&](const Command&) {
        sim.state().receiver_status = "streaming";
        sim.state().queries[kTimelineQuery] = "0/5000200|2\n";
        return Result<CommandResult>(command_ok());
    });
    sim.fake().expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(),
                          Times::AtLeastOnce);
    auto step = make_replica_step();
    expect_converges(*step, inventory, db3(inventory), sim);
}

TEST(StepReplicaDiverged, UnknownPositionsAreNoDivergence) {
    struct Case {
        const char* name;
        const char* query;  // the standby-timeline query's output
        bool history;       // the upstream's history is known
    };
    const Case cases[] = {
        {"query failed", "ERROR:  function pg_control_recovery() does not exist\n", true},
        {"no replay position", "|1\n", true},
        {"no timeline", "0/5000100|\n", true},
        {"no history", "0/5000100|1\n", false},
    };
    auto inventory = promoted_inventory();
    for (const auto& c : cases) {
        SimHost sim("db3", standby_state(c.query));
        add_old_settings(sim);
        if (!c.history) {
            sim.state().login->timeline_history.reset();
            sim.state().login->history_error = "ERROR:  could not open file";
        }
        sim.fake().expect_write(kStandbyConf);
        sim.fake().expect_write("/var/lib/postgresql/15/main/standby.signal");
        sim.fake().expect_run("reload");
        sim.fake().expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(),
                              Times::AtLeastOnce);
        auto report = run_one(*make_replica_step(), inventory, db3(inventory), sim);
        EXPECT_EQ(report.status, StepStatus::Changed) << c.name << ": " << report.reason;
        EXPECT_NE(report.reason.find("point the standby at db2"), std::string::npos)
            << c.name << ": " << report.reason;
    }
}

TEST(StepReplicaDiverged, AsksForTheReplayPositionWithTheVersionsFunctionNames) {
    for (const char* version : {"15", "9.6"}) {
        auto inventory = promoted_inventory(version);
        const Host& host = db3(inventory);
        SnapshotRequest request;
        make_replica_step()->request(inventory, host, cluster_paths(host), request);
        std::string sql;
        for (const auto& [name, text] : request.queries) {
            if (name == kTimelineQuery) sql = text;
        }
        ASSERT_FALSE(sql.empty()) << version;
        const bool old = std::string(version) == "9.6";
        EXPECT_EQ(sql.find("pg_last_wal_replay_lsn()") != std::string::npos, !old) << sql;
        EXPECT_EQ(sql.find("pg_last_xlog_replay_location()") != std::string::npos, old) << sql;
        EXPECT_NE(sql.find("received_tli"), std::string::npos) << sql;
        EXPECT_NE(sql.find("pg_control_checkpoint()"), std::string::npos) << sql;
        EXPECT_NE(sql.find("WHEN pg_is_in_recovery()"), std::string::npos) << sql;
        EXPECT_NE(request.replication_login_conninfo.find("host=10.0.0.12"), std::string::npos);
    }
}

// The guard's new decisions, as a table.
struct DivergedCase {
    const char* name;
    std::optional<StandbyTimeline> standby;
    std::optional<UpstreamTimeline> upstream;
    const char* upstream_id;  // nullptr: the login failed
    bool files_match;
    Force force;
    ReplicaAction expected;
};

TEST(ReplicaGuardDiverged, DecisionTable) {
    const auto at = [](const char* text) { return parse_lsn(text).value_or(0); };
    const UpstreamTimeline tli2{2, {{1, at("0/5000000")}}};
    const StandbyTimeline past{1, at("0/5000100")};
    const StandbyTimeline before{1, at("0/5000000")};
    const StandbyTimeline same{2, at("0/6000000")};
    const DivergedCase cases[] = {
        {"diverged", past, tli2, kSystem, false, Force::No, ReplicaAction::Refuse},
        {"diverged, settings match", past, tli2, kSystem, true, Force::No, ReplicaAction::Refuse},
        {"diverged, forced", past, tli2, kSystem, false, Force::Yes, ReplicaAction::Clone},
        {"at the fork point", before, tli2, kSystem, false, Force::No, ReplicaAction::Reconfigure},
        {"at the fork point, forced", before, tli2, kSystem, false, Force::Yes,
         ReplicaAction::Reconfigure},
        {"on the upstream's timeline", same, tli2, kSystem, true, Force::Yes, ReplicaAction::None},
        {"standby position unknown", std::nullopt, tli2, kSystem, false, Force::No,
         ReplicaAction::Reconfigure},
        {"upstream history unknown", past, std::nullopt, kSystem, false, Force::No,
         ReplicaAction::Reconfigure},
        {"upstream login failed", past, std::nullopt, nullptr, true, Force::No,
         ReplicaAction::None},
        {"another system's standby", past, tli2, "7999", false, Force::No, ReplicaAction::Refuse},
    };
    for (const auto& c : cases) {
        ReplicaGuardInput input;
        input.facts.cluster_running = true;
        input.facts.system_identifier = kSystem;
        input.server.emplace();
        input.server->role = LiveRole::Standby;
        input.server->system_identifier = kSystem;
        input.server->receiver = LiveReceiver{"streaming", {}, {}, {}, {}};
        input.facts.data_dir_has_pg_version = true;
        input.facts.standby_signal = true;
        if (c.upstream_id != nullptr) input.upstream_system_identifier = c.upstream_id;
        input.standby_files_match = c.files_match;
        input.upstream_name = "db2";
        input.host_name = "db3";
        input.force = c.force;
        input.standby_timeline = c.standby;
        input.upstream_timeline = c.upstream;
        const auto decision = decide_replica(input);
        EXPECT_EQ(static_cast<int>(decision.action), static_cast<int>(c.expected))
            << c.name << ": " << decision.reason;
        if (std::string(c.name) == "diverged") {
            EXPECT_EQ(decision.reason, kRefusal);
            EXPECT_EQ(decision.hint, kHint);
        }
        if (std::string(c.name) == "diverged, forced") {
            EXPECT_EQ(decision.reason, kClone);
        }
    }
}

// A stopped standby: its position comes from pg_control (the minimum recovery point, else the
// last restartpoint). Diverged: refused, not started; not diverged: started as before.
SimState stopped_standby(const std::string& min_recovery, const std::string& checkpoint) {
    SimState state = standby_state("");
    state.running = false;
    state.role = LiveRole::Unknown;
    state.receiver_status.clear();
    state.receiver_host.clear();
    state.controldata = {{"state", "shut down in recovery"},
                         {"checkpoint", checkpoint},
                         {"checkpoint_tli", "1"},
                         {"min_recovery", min_recovery},
                         {"min_recovery_tli", min_recovery == "0/0" ? "0" : "1"}};
    return state;
}

TEST(StepReplicaDiverged, StoppedStandbyPastTheForkIsRefusedNotStarted) {
    auto inventory = promoted_inventory();
    SimHost sim("db3", stopped_standby("0/5000100", "0/4000060"));
    add_old_settings(sim);
    auto report = run_one(*make_replica_step(), inventory, db3(inventory), sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_TRUE(report.refused());
    EXPECT_EQ(report.reason, kRefusal);
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
    // Without a minimum recovery point, the last restartpoint counts.
    SimHost by_checkpoint("db3", stopped_standby("0/0", "0/5000100"));
    add_old_settings(by_checkpoint);
    report = run_one(*make_replica_step(), inventory, db3(inventory), by_checkpoint);
    EXPECT_TRUE(report.refused());
    EXPECT_EQ(report.reason, kRefusal);
}

TEST(StepReplicaDiverged, StoppedStandbyBeforeTheForkIsStarted) {
    auto inventory = promoted_inventory();
    SimHost sim("db3", stopped_standby("0/5000000", "0/4000060"));
    add_old_settings(sim);
    auto report = run_one(*make_replica_step(), inventory, db3(inventory), sim, RunMode::Check);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << report.hint;
    EXPECT_NE(report.reason.find("start the stopped standby of db2"), std::string::npos)
        << report.reason;
}

}  // namespace
}  // namespace pgrepl::test
