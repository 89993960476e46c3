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

TEST(StepCluster, CreatesThenConverges) {
    auto inventory = three_host_inventory();
    SimState state;
    state.cluster_exists = false;
    state.running = false;
    SimHost sim("db1", state);
    sim.fake().expect_run("pg_createcluster --start -p 5432 '15' 'main'").does([&](const Command&) {
        sim.state().cluster_exists = true;
        sim.state().running = true;
        return Result<CommandResult>(command_ok());
    });
    auto step = make_cluster_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
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
