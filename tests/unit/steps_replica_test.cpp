#include <gtest/gtest.h>

#include "pgrepl/steps/replica_guard.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kPrimaryId = "7111111111111111111";
constexpr const char* kStandbyConf = "/etc/postgresql/15/main/conf.d/pgrepl-standby.conf";

// db2 as a freshly created cluster: a running primary with no user data, another system id.
SimHost fresh_replica() {
    SimState state;
    state.system_identifier = "7222222222222222222";
    state.queries["fresh"] = "0|0|0\n";
    state.login = HostSnapshot::Login{true, kPrimaryId, "1", ""};
    return SimHost("db2", state);
}

void expect_clone(SimHost& sim) {
    auto& fake = sim.fake();
    fake.expect_run(TextMatch::regex("pg_ctlcluster '15' 'main' stop -m fast && .*find "
                                     "'/var/lib/postgresql/15/main' -mindepth 1 -delete"))
        .mutation(Mutation::Mutating);
    expect_clone_marker(fake, kPrimaryId);
    fake.expect_run("pg_basebackup").as(RunAs::Postgres).does([&](const Command& c) {
        EXPECT_NE(c.script.find("-S 'db2'"), std::string::npos) << c.script;
        EXPECT_NE(c.script.find("host=10.0.0.11"), std::string::npos) << c.script;
        EXPECT_NE(c.script.find("application_name=db2"), std::string::npos) << c.script;
        EXPECT_EQ(c.script.find("password="), std::string::npos) << c.script;
        return Result<CommandResult>(command_ok());
    });
    fake.expect_write(kStandbyConf).content("primary_conninfo");
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal").mode(0600);
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        auto& s = sim.state();
        s.role = LiveRole::Standby;
        s.system_identifier = kPrimaryId;
        s.standby_signal = true;
        s.receiver_status = "streaming";
        s.receiver_host = "10.0.0.11";
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);
}

TEST(StepReplica, ClonesAFreshClusterThenLeavesTheStandbyAlone) {
    auto inventory = three_host_inventory();
    auto sim = fresh_replica();
    expect_clone(sim);
    auto step = make_replica_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

TEST(StepReplica, RefusesAPrimaryWithDataUnlessForced) {
    auto inventory = three_host_inventory();
    auto sim = fresh_replica();
    sim.state().queries["fresh"] = "2|40|3\n";
    auto step = make_replica_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_TRUE(report.refused());
    EXPECT_NE(report.reason.find("2 user database(s)"), std::string::npos) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);

    expect_clone(sim);
    auto forced = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Apply, Force::Yes);
    EXPECT_EQ(forced.status, StepStatus::Changed) << forced.reason << forced.hint;
}

TEST(StepReplica, CheckModeOnABareHostSaysItWouldClone) {
    auto inventory = three_host_inventory();
    SimState state;
    state.cluster_exists = false;
    state.running = false;
    state.pg_version_file = false;
    state.login =
        HostSnapshot::Login{false, "", "", "could not connect to server: Connection refused"};
    SimHost sim("db2", state);
    auto step = make_replica_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Check);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason;
    EXPECT_NE(report.reason.find("clone from db1"), std::string::npos) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepReplica, RepointsAStandbyWhoseSettingsDiffer) {
    auto inventory = three_host_inventory();
    SimHost sim("db2", streaming_standby(kPrimaryId, "10.0.0.99"));
    sim.fake().add_file(kStandbyConf, "primary_conninfo = 'host=10.0.0.99'\n");
    sim.fake().expect_write(kStandbyConf);
    sim.fake().expect_write("/var/lib/postgresql/15/main/standby.signal");
    sim.fake().expect_run("reload");
    sim.fake().expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(),
                          Times::AtLeastOnce);
    auto step = make_replica_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

// The guard's decisions, as a table.
struct GuardCase {
    const char* name;
    bool running;
    LiveRole role;
    const char* system_identifier;
    bool pg_version;
    bool standby_signal;
    bool fresh;
    const char* upstream_id;  // nullptr: login failed
    Force force;
    ReplicaAction expected;
};

TEST(ReplicaGuard, DecisionTable) {
    const GuardCase cases[] = {
        {"empty dir", false, LiveRole::Unknown, "", false, false, false, "A", Force::No,
         ReplicaAction::Clone},
        {"empty dir, upstream not ready", false, LiveRole::Unknown, "", false, false, false,
         nullptr, Force::No, ReplicaAction::Wait},
        {"fresh initdb", true, LiveRole::Primary, "B", true, false, true, "A", Force::No,
         ReplicaAction::Clone},
        {"primary with data", true, LiveRole::Primary, "B", true, false, false, "A", Force::No,
         ReplicaAction::Refuse},
        {"primary with data, forced", true, LiveRole::Primary, "B", true, false, false, "A",
         Force::Yes, ReplicaAction::Clone},
        {"diverged primary of this cluster", true, LiveRole::Primary, "A", true, false, true, "A",
         Force::No, ReplicaAction::Refuse},
        {"standby of this cluster", true, LiveRole::Standby, "A", true, true, false, "A", Force::No,
         ReplicaAction::None},
        {"standby, upstream down", true, LiveRole::Standby, "A", true, true, false, nullptr,
         Force::No, ReplicaAction::None},
        {"standby of another system", true, LiveRole::Standby, "C", true, true, false, "A",
         Force::No, ReplicaAction::Refuse},
        {"stopped standby", false, LiveRole::Unknown, "A", true, true, false, "A", Force::No,
         ReplicaAction::Start},
        {"stopped primary", false, LiveRole::Unknown, "A", true, false, false, "A", Force::No,
         ReplicaAction::Refuse},
        {"stopped foreign primary, forced", false, LiveRole::Unknown, "C", true, false, false, "A",
         Force::Yes, ReplicaAction::Clone},
    };
    for (const auto& c : cases) {
        ReplicaGuardInput input;
        input.facts.cluster_running = c.running;
        input.facts.system_identifier = c.system_identifier;
        if (c.role != LiveRole::Unknown) {
            input.server.emplace();
            input.server->role = c.role;
            input.server->system_identifier = c.system_identifier;
            input.server->receiver = LiveReceiver{"streaming", {}, {}, {}, {}};
        }
        input.facts.data_dir_has_pg_version = c.pg_version;
        input.facts.standby_signal = c.standby_signal;
        input.fresh = c.fresh;
        if (c.upstream_id != nullptr) input.upstream_system_identifier = c.upstream_id;
        input.standby_files_match = true;
        input.upstream_name = "db1";
        input.force = c.force;
        EXPECT_EQ(static_cast<int>(decide_replica(input).action), static_cast<int>(c.expected))
            << c.name;
    }
}

}  // namespace
}  // namespace pgrepl::test

namespace pgrepl::test {
namespace {

TEST(StepReplica, AFencedOldPrimaryIsReclonedOnlyWithForce) {
    auto inventory = three_host_inventory();
    SimState state;  // a stopped old primary, fenced by promote (standby.signal written)
    state.running = false;
    state.standby_signal = true;
    state.system_identifier = kPrimaryId;
    state.login = HostSnapshot::Login{true, kPrimaryId, "2", ""};
    SimHost sim("db2", state);
    sim.fake().add_file("/etc/postgresql/15/main/pgrepl.fenced",
                        "fenced by pgrepl promote; start.conf was: auto\n");
    auto step = make_replica_step();
    auto refused = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(refused.status, StepStatus::Failed);
    EXPECT_TRUE(refused.refused());
    EXPECT_EQ(sim.fake().mutating_calls(), 0);

    auto& fake = sim.fake();
    fake.expect_run("find '/var/lib/postgresql/15/main' -mindepth 1 -delete")
        .does([&](const Command& c) {
            EXPECT_NE(c.script.find("start.conf"), std::string::npos) << c.script;
            fake.remove_file("/etc/postgresql/15/main/pgrepl.fenced");
            return Result<CommandResult>(command_ok());
        });
    expect_clone_marker(fake, kPrimaryId);
    fake.expect_run("pg_basebackup").as(RunAs::Postgres);
    fake.expect_write(kStandbyConf);
    fake.expect_write("/var/lib/postgresql/15/main/standby.signal");
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        auto& s = sim.state();
        s.running = true;
        s.role = LiveRole::Standby;
        s.receiver_status = "streaming";
        s.receiver_host = "10.0.0.11";
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok(), Times::AtLeastOnce);
    auto forced = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Apply, Force::Yes);
    EXPECT_EQ(forced.status, StepStatus::Changed) << forced.reason << forced.hint;
}

}  // namespace
}  // namespace pgrepl::test
