// The replica step's rewind: a stopped old primary fenced by promote, or a stopped standby
// that diverged from its upstream, rejoins with pg_rewind instead of a clone when it can.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/steps/replica_guard.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kSystem = "7111111111111111111";
constexpr const char* kStandbyConf = "/etc/postgresql/15/main/conf.d/pgrepl-standby.conf";
constexpr const char* kSignal = "/var/lib/postgresql/15/main/standby.signal";
constexpr const char* kFence = "/etc/postgresql/15/main/pgrepl.fenced";
constexpr const char* kTimelineQuery = "standby-timeline";
constexpr const char* kRewind =
    "rewind the fenced old primary with pg_rewind onto db2's timeline 2 (forked from timeline 1 "
    "at 0/5000000; 256 byte(s) of WAL after it, up to 0/5000100, are discarded)";

// After `promote db2`: db2 is the primary, db1 (the old primary) one of its replicas.
Inventory promoted_inventory(const char* version = "15", const char* archive = "") {
    auto loaded = parse_inventory(fmt::format(R"(
postgres: {{ version: {} }}
{}
hosts:
  - {{ name: db1, address: 10.0.0.11, role: replica, upstream: db2 }}
  - {{ name: db2, address: 10.0.0.12, role: primary }}
)",
                                              version, archive),
                                  "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

// db2 answers on timeline 2, which forked from timeline 1 at 0/5000000.
HostSnapshot::Login upstream_on_timeline_2() {
    HostSnapshot::Login login(true, kSystem, "2", "");
    login.xlogpos = "0/6000148";
    login.timeline_history = "1\t0/5000000\tno recovery target specified\n";
    return login;
}

// db1 stopped and fenced by promote after writing 256 bytes of WAL past the fork.
SimState fenced_old_primary(const std::string& state = "shut down") {
    SimState s;
    s.running = false;
    s.role = LiveRole::Unknown;
    s.system_identifier = kSystem;
    s.standby_signal = true;  // the fence writes it
    s.controldata = {{"state", state},        {"checkpoint", "0/5000100"}, {"checkpoint_tli", "1"},
                     {"min_recovery", "0/0"}, {"min_recovery_tli", "0"},   {"wal_log_hints", "on"},
                     {"checksums", "0"}};
    s.login = upstream_on_timeline_2();
    return s;
}

void add_fence(SimHost& sim) {
    sim.fake().add_file(kFence, "fenced at 2026-12-02T01:00:00Z: db2 was promoted in its place\n");
}

// Expects `sh -n` to accept the script: every value in it is quoted.
void expect_parses(const std::string& script) {
    const std::string path = ::testing::TempDir() + "pgrepl-rewind-script.sh";
    std::ofstream(path) << script;
    EXPECT_EQ(std::system(("sh -n " + path).c_str()), 0) << script;
    std::remove(path.c_str());
}

// The fake's answers to a rewind of db1 from db2; pg_rewind prints `rewind_err`.
void expect_rewind(SimHost& sim, const std::string& prepare_out, const std::string& rewind_err) {
    auto& fake = sim.fake();
    fake.expect_run("--single -F -D \"$D\" -c config_file=\"$CONF\" template1")
        .mutation(Mutation::Mutating)
        .does([prepare_out](const Command& c) {
            EXPECT_NE(c.script.find("D='/var/lib/postgresql/15/main'"), std::string::npos);
            EXPECT_NE(c.script.find("CONF='/etc/postgresql/15/main/postgresql.conf'"),
                      std::string::npos);
            expect_parses(c.script);
            return Result<CommandResult>(command_ok(prepare_out));
        });
    fake.expect_write(kStandbyConf, Times::AtLeastOnce).content("host=10.0.0.12");
    fake.expect_write(kSignal, Times::AtLeastOnce).mode(0600);
    fake.expect_run("bin/pg_rewind --target-pgdata='/var/lib/postgresql/15/main'")
        .as(RunAs::Postgres)
        .mutation(Mutation::Mutating)
        .does([rewind_err](const Command& c) {
            EXPECT_NE(c.script.find("--source-server='host=10.0.0.12 port=5432 user=pgrepl_rewind "
                                    "dbname=postgres passfile=/var/lib/postgresql/"
                                    ".pgrepl-15-main.pgpass"),
                      std::string::npos)
                << c.script;
            EXPECT_NE(c.script.find(" --config-file='/etc/postgresql/15/main/postgresql.conf'"),
                      std::string::npos)
                << c.script;
            EXPECT_NE(c.script.find(" --no-ensure-shutdown"), std::string::npos) << c.script;
            EXPECT_EQ(c.script.find(" -R"), std::string::npos) << c.script;
            EXPECT_EQ(c.script.find("--write-recovery-conf"), std::string::npos) << c.script;
            EXPECT_EQ(c.script.find("s3cret"), std::string::npos) << "no secret in argv";
            EXPECT_TRUE(c.stdin_data.empty());
            expect_parses(c.script);
            auto result = command_ok();
            result.err = rewind_err;
            return Result<CommandResult>(result);
        });
    fake.expect_run(fmt::format("if [ -f '{0}' ]; then printf 'auto\\n' > "
                                "'/etc/postgresql/15/main/start.conf' && rm -f '{0}'; fi",
                                kFence))
        .mutation(Mutation::Mutating)
        .does([&fake](const Command&) {
            fake.remove_file(kFence);
            return Result<CommandResult>(command_ok());
        });
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&sim](const Command&) {
        auto& s = sim.state();
        s.running = true;
        s.role = LiveRole::Standby;
        s.standby_signal = true;
        s.receiver_status = "streaming";
        s.receiver_host = "10.0.0.12";
        s.queries[kTimelineQuery] = "0/6000200|2\n";
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);
}

TEST(StepReplicaRewind, RewindsTheFencedOldPrimaryThenChangesNothing) {
    auto inventory = promoted_inventory();
    const Host& db1 = inventory.hosts[0];
    SimHost sim("db1", fenced_old_primary());
    add_fence(sim);
    auto step = make_replica_step();

    auto check = run_one(*step, inventory, db1, sim, RunMode::Check);
    EXPECT_EQ(check.status, StepStatus::Changed) << check.reason << "\nhint: " << check.hint;
    EXPECT_EQ(check.reason, kRewind);
    EXPECT_EQ(sim.fake().mutating_calls(), 0);

    expect_rewind(sim, "checkpoint=0/5000100\nmin_recovery=0/0\n",
                  "pg_rewind: servers diverged at WAL location 0/5000000 on timeline 1\n"
                  "pg_rewind: rewinding from last common checkpoint at 0/4000060 on timeline 1\n"
                  "pg_rewind: Done!\n");
    auto report = run_one(*step, inventory, db1, sim);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << "\nhint: " << report.hint;
    EXPECT_EQ(report.reason, kRewind);
    EXPECT_FALSE(sim.fake().file(kFence)) << "unfenced";

    // Re-run, with and without --force: a streaming standby, nothing to do.
    for (auto force : {Force::No, Force::Yes}) {
        sim.fake().clear_calls();
        auto again = run_one(*step, inventory, db1, sim, RunMode::Apply, force);
        EXPECT_EQ(again.status, StepStatus::Ok) << again.reason << "\nhint: " << again.hint;
        EXPECT_EQ(sim.fake().mutating_calls(), 0);
    }
}

TEST(StepReplicaRewind, ACrashedOldPrimaryIsRecoveredFirst) {
    auto inventory = promoted_inventory();
    const Host& db1 = inventory.hosts[0];
    SimHost sim("db1", fenced_old_primary("in production"));
    add_fence(sim);
    auto step = make_replica_step();
    expect_rewind(sim, "recovered=in production\ncheckpoint=0/5000300\nmin_recovery=0/0\n",
                  "pg_rewind: servers diverged at WAL location 0/5000000 on timeline 1\n");
    auto report = run_one(*step, inventory, db1, sim);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason << "\nhint: " << report.hint;
    EXPECT_EQ(report.reason,
              "rewind the fenced old primary with pg_rewind onto db2's timeline 2 (state: in "
              "production: brought to a clean shutdown first)");
}

// Just after the promotion, db2's pg_control may still say timeline 1: pg_rewind then rewinds
// nothing ("same timeline"); the step fails before unfencing or starting the host.
TEST(StepReplicaRewind, AStaleSourceTimelineFailsBeforeTheStart) {
    auto inventory = promoted_inventory();
    const Host& db1 = inventory.hosts[0];
    SimHost sim("db1", fenced_old_primary());
    add_fence(sim);
    auto& fake = sim.fake();
    fake.expect_run("--single -F", command_ok("checkpoint=0/5000100\n"));
    fake.expect_write(kStandbyConf);
    fake.expect_write(kSignal);
    auto same = command_ok();
    same.err =
        "pg_rewind: source and target cluster are on the same timeline\n"
        "pg_rewind: no rewind required\n";
    fake.expect_run("pg_rewind", same);
    auto report = run_one(*make_replica_step(), inventory, db1, sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_EQ(report.reason,
              "db1: replica: pg_rewind found db2's pg_control on this host's timeline 1, but db2 "
              "runs on "
              "timeline 2: its first checkpoint since the promotion has not ended; nothing was "
              "rewound")
        << report.reason;
    EXPECT_NE(report.hint.find("CHECKPOINT on db2"), std::string::npos) << report.hint;
    EXPECT_TRUE(fake.file(kFence)) << "still fenced";
}

TEST(StepReplicaRewind, RestoresTargetWalFromTheArchiveOn15) {
    for (const char* version : {"15", "13"}) {
        auto inventory = promoted_inventory(
            version, "replication: { archive: { method: ssh, host: db2, path: /srv/wal } }");
        const Host& db1 = inventory.hosts[0];
        SimHost sim("db1", fenced_old_primary());
        add_fence(sim);
        sim.fake().expect_run("--single -F", command_ok("checkpoint=0/5000100\n"));
        sim.fake().expect_write(
            fmt::format("/etc/postgresql/{}/main/conf.d/pgrepl-standby.conf", version),
            Times::AtLeastOnce);
        sim.fake().expect_write(fmt::format("/var/lib/postgresql/{}/main/standby.signal", version),
                                Times::AtLeastOnce);
        std::string script;
        sim.fake().expect_run("pg_rewind").does([&script](const Command& c) {
            script = c.script;
            return Result<CommandResult>(command_failed(1, "pg_rewind: error: stop here"));
        });
        auto report = run_one(*make_replica_step(), inventory, db1, sim);
        EXPECT_EQ(report.status, StepStatus::Failed);
        EXPECT_NE(report.hint.find("pgrepl setup --force --limit db1"), std::string::npos)
            << report.hint;
        const bool v15 = std::string(version) == "15";
        EXPECT_EQ(script.find(" --restore-target-wal") != std::string::npos, v15) << script;
        EXPECT_EQ(script.find(" --config-file=") != std::string::npos, v15) << script;
    }
}

// The cluster step leaves a host that the replica step rewinds alone: fenced, or a stopped
// standby that diverged (starting it would only have the replica step refuse it running).
TEST(StepClusterRewind, LeavesTheHostToTheReplicaStepWhenItRewinds) {
    auto inventory = promoted_inventory();
    const Host& db1 = inventory.hosts[0];
    SimHost fenced("db1", fenced_old_primary());
    add_fence(fenced);
    auto report = run_one(*make_cluster_step(), inventory, db1, fenced);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason << "\nhint: " << report.hint;
    EXPECT_EQ(report.reason, "15/main is fenced: the replica step rewinds it with pg_rewind");
    EXPECT_EQ(fenced.fake().mutating_calls(), 0);

    SimHost diverged("db1", fenced_old_primary());  // not fenced: a stopped diverged standby
    report = run_one(*make_cluster_step(), inventory, db1, diverged);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason << "\nhint: " << report.hint;
    EXPECT_NE(report.reason.find("left to the replica step, which rewinds it"), std::string::npos)
        << report.reason;
    EXPECT_EQ(diverged.fake().mutating_calls(), 0);
}

TEST(StepClusterRewind, RefusesAFencedHostThatCannotBeRewoundAndSaysWhy) {
    auto inventory = promoted_inventory();
    SimState state = fenced_old_primary();
    state.controldata["wal_log_hints"] = "off";
    SimHost sim("db1", state);
    add_fence(sim);
    auto report = run_one(*make_cluster_step(), inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_TRUE(report.refused());
    EXPECT_NE(report.reason.find("was fenced by pgrepl promote"), std::string::npos)
        << report.reason;
    EXPECT_NE(report.hint.find("wal_log_hints off"), std::string::npos) << report.hint;
    EXPECT_NE(report.hint.find("pgrepl setup --force --limit db1"), std::string::npos)
        << report.hint;
    // A fenced host that is still the primary in the inventory: make it a replica first.
    auto stale = parse_inventory(R"(
postgres: { version: 15 }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
)",
                                 "test.yaml")
                     .inventory;
    SimHost primary("db1", fenced_old_primary());
    add_fence(primary);
    report = run_one(*make_cluster_step(), stale, stale.hosts[0], primary);
    EXPECT_TRUE(report.refused());
    EXPECT_NE(report.hint.find("set its role to replica in the inventory and run pgrepl setup "
                               "--limit db1 (pg_rewind rejoins it; --force re-clones it)"),
              std::string::npos)
        << report.hint;
    EXPECT_EQ(primary.fake().mutating_calls(), 0);
}

}  // namespace
}  // namespace pgrepl::test
