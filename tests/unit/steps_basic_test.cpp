// packages, cluster, restart and passfile steps.
#include <gtest/gtest.h>

#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

TEST(StepPackages, InstallsThenConverges) {
    auto inventory = three_host_inventory();
    SimState state;
    state.pg_installed = false;
    SimHost sim("db1", state);
    sim.fake()
        .expect_run("apt-get install -y")
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            EXPECT_NE(c.script.find("'postgresql-15'"), std::string::npos);
            sim.state().pg_installed = true;
            return Result<CommandResult>(command_ok());
        });
    auto step = make_packages_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepCluster, CreatesANewPrimaryStoppedThenConverges) {
    // Not started: the restart step starts it once, with its settings and pg_hba in place.
    auto inventory = three_host_inventory();
    SimState state;
    state.cluster_exists = false;
    state.running = false;
    SimHost sim("db1", state);
    sim.fake().expect_run("pg_createcluster -p 5432 '15' 'main'").does([&](const Command&) {
        sim.state().cluster_exists = true;
        sim.state().never_started = true;
        return Result<CommandResult>(command_ok());
    });
    auto step = make_cluster_step();
    auto plan = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(plan.reason,
              "create cluster 15/main on port 5432 (pg_createcluster); it starts once its "
              "settings are written (restart step)");
    expect_converges(*step, inventory, inventory.hosts[0], sim);
    auto again = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(again.reason,
              "15/main created, never started: it starts with its settings "
              "(restart step)");
}

TEST(StepCluster, CreatesAReplicaHostsClusterStoppedWithItsFreshMarker) {
    auto inventory = three_host_inventory();
    SimState state;
    state.cluster_exists = false;
    state.running = false;
    SimHost sim("db2", state);
    sim.fake()
        .expect_run(TextMatch::regex("^pg_createcluster -p 5432 '15' 'main' -- --no-sync && "
                                     ".*pg_controldata '/var/lib/postgresql/15/main'.* > "
                                     "'/etc/postgresql/15/main/pgrepl.fresh'$"))
        .does([&](const Command&) {
            sim.state().cluster_exists = true;
            sim.state().never_started = true;
            sim.fake().add_file("/etc/postgresql/15/main/pgrepl.fresh",
                                sim.state().system_identifier + "\n");
            return Result<CommandResult>(command_ok());
        });
    auto step = make_cluster_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
    EXPECT_FALSE(sim.state().running) << "the replica step clones over it: no throwaway start";
}

TEST(StepCluster, StartsAStoppedPrimary) {
    auto inventory = three_host_inventory();
    SimState state;
    state.running = false;
    SimHost sim("db1", state);
    sim.fake().expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        sim.state().running = true;
        return Result<CommandResult>(command_ok());
    });
    auto step = make_cluster_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepCluster, NeverStartsAStoppedNonStandbyOnAReplicaHost) {
    auto inventory = three_host_inventory();
    SimState state;
    state.running = false;  // a stopped primary (say, fenced after a failover) on db2
    SimHost sim("db2", state);
    auto step = make_cluster_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepCluster, WaitsForARunningServerThatDoesNotAnswerYet) {
    // A standby still starting up (a setup killed right after its start): the later steps need
    // its answers, so the cluster step waits until it accepts connections.
    auto inventory = three_host_inventory();
    SimState state = streaming_standby("7000000000000000001", "10.0.0.11");
    state.server_error = "psql: error: FATAL:  the database system is starting up";
    SimHost sim("db2", state);
    sim.fake().expect_run("SELECT 1").mutation(Mutation::ReadOnly).does([&](const Command&) {
        sim.state().server_error.clear();
        return Result<CommandResult>(command_ok());
    });
    auto step = make_cluster_step();
    auto plan = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Check);
    EXPECT_EQ(plan.reason,
              "wait until 15/main accepts connections (it answered: psql: error: FATAL:  the "
              "database system is starting up)");
    auto first = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(first.status, StepStatus::Changed) << first.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
    auto again = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(again.status, StepStatus::Ok) << again.reason;
}

TEST(StepRestart, RestartsOnlyWhenPending) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().queries["pending_restart"] = "listen_addresses\n";
    sim.fake().expect_run("pg_ctlcluster '15' 'main' restart -m fast").does([&](const Command&) {
        sim.state().queries["pending_restart"] = "";
        return Result<CommandResult>(command_ok());
    });
    auto step = make_restart_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepRestart, StartsANewPrimaryOnceThenConverges) {
    auto inventory = three_host_inventory();
    SimState state;
    state.running = false;
    state.never_started = true;
    SimHost sim("db1", state);
    sim.fake().expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        sim.state().running = true;
        sim.state().never_started = false;
        return Result<CommandResult>(command_ok());
    });
    auto step = make_restart_step();
    auto plan = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(plan.reason, "start PostgreSQL for the first time, with its settings");
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepRestart, LeavesAStoppedReplicaToTheReplicaStep) {
    auto inventory = three_host_inventory();
    SimState state;
    state.running = false;
    state.never_started = true;
    SimHost sim("db2", state);
    auto step = make_restart_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepPassfile, WritesA0600FileAndNeverShowsThePassword) {
    auto inventory = three_host_inventory();
    SimHost sim("db2");
    sim.fake()
        .expect_write("/var/lib/postgresql/.pgrepl-15-main.pgpass")
        .mode(0600)
        .owner("postgres", "postgres")
        .content("10.0.0.11:5432:replication:replicator:s3cret'pw");
    auto step = make_passfile_step();
    auto check = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Check);
    EXPECT_EQ(check.diff.find("s3cret"), std::string::npos);
    EXPECT_EQ(check.reason.find("s3cret"), std::string::npos);
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

}  // namespace
}  // namespace pgrepl::test
