// pg_hba and role steps.
#include <gtest/gtest.h>

#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kHba = "/etc/postgresql/15/main/pg_hba.conf";
constexpr const char* kDebianHba =
    "# Database administrative login by Unix domain socket\n"
    "local   all             postgres                                peer\n"
    "local   all             all                                     peer\n"
    "host    all             all             127.0.0.1/32            scram-sha-256\n";

// Applies the pg_hba step to db1 (Debian's pg_hba.conf), re-runs it, returns the file it left.
std::string converged_hba(const Inventory& inventory, SimHost& sim) {
    sim.fake().add_file(kHba, kDebianHba, 0640, "postgres", "postgres");
    sim.fake().expect_write(kHba).mode(0640).owner("postgres", "postgres");
    sim.fake().expect_run("reload").mutation(Mutation::Mutating);
    auto step = make_hba_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
    return sim.fake().file(kHba)->content;
}

TEST(StepCluster, RefusesAClusterThatPatroniManages) {
    // After pgrepl handoff patroni: setup's starts, restarts and standby files would fight it.
    auto inventory = three_host_inventory();
    SimHost sim("db2", streaming_standby("7000000000000000001", "10.0.0.11"));
    sim.fake().add_file("/etc/patroni/15-main.yml", "# Managed by pgrepl (handoff patroni)\n");
    auto step = make_cluster_step();
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_TRUE(report.refused());
    EXPECT_EQ(report.reason,
              "Patroni manages 15/main since pgrepl handoff patroni (/etc/patroni/15-main.yml "
              "exists)");
    EXPECT_NE(report.hint.find("patronictl edit-config"), std::string::npos);
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepHba, PutsTheBlockFirstKeepsTheRestAndConverges) {
    SimHost sim("db1");
    const auto content = converged_hba(three_host_inventory(), sim);
    EXPECT_EQ(content.rfind("# Database administrative login", 0), 0u) << content;
    EXPECT_LT(content.find("replication"), content.find("local   all             postgres"));
    for (const char* address : {"10.0.0.11/32", "10.0.0.12/32", "10.0.0.13/32"}) {
        EXPECT_NE(content.find(address), std::string::npos) << address;
    }
    const std::string rules = std::string(kDebianHba).substr(std::string(kDebianHba).find("local"));
    EXPECT_NE(content.find(rules), std::string::npos)
        << "rules outside the block must stay byte for byte";
}

// PostgreSQL would match a host name in pg_hba only when the reverse lookup of the client's
// address gives back that very name: a node named by host name gets its addresses instead.
TEST(StepHba, ANodeNamedByHostNameGetsTheAddressesItResolvesToOnTheHost) {
    auto inventory = three_host_inventory();
    inventory.hosts[0].address = "db1.example.com";
    inventory.hosts[1].address = "db2";
    SimHost sim("db1");
    sim.state().resolves = {{"db1.example.com", {"10.0.0.11", "fd00::11"}}, {"db2", {"10.0.0.12"}}};
    const auto content = converged_hba(inventory, sim);
    for (const char* address : {"10.0.0.11/32", "fd00::11/128", "10.0.0.12/32", "10.0.0.13/32"}) {
        EXPECT_NE(content.find(address), std::string::npos) << address << "\n" << content;
    }
    EXPECT_EQ(content.find("db2 "), std::string::npos) << content;
    EXPECT_EQ(content.find("example.com"), std::string::npos) << content;
}

TEST(StepHba, AHostNameThatDoesNotResolveOnTheHostIsAConflict) {
    auto inventory = three_host_inventory();
    inventory.hosts[2].address = "db3.example.com";
    SimHost sim("db1");
    sim.fake().add_file(kHba, kDebianHba, 0640, "postgres", "postgres");
    auto step = make_hba_step();
    const auto report = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_NE(report.reason.find("db3's address db3.example.com does not resolve on db1"),
              std::string::npos)
        << report.reason;
    EXPECT_NE(report.hint.find("give db3 its IP address"), std::string::npos) << report.hint;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepRole, CreatesWithPasswordOnStdinOnly) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().login =
        HostSnapshot::Login{false, "", "", "FATAL:  password authentication failed for user"};
    sim.fake()
        .expect_run("'/usr/lib/postgresql/15/bin/psql' -h '/var/run/postgresql' -p 5432")
        .as(RunAs::Postgres)
        .with_stdin(
            TextMatch::regex("CREATE ROLE \"replicator\" WITH LOGIN REPLICATION NOSUPERUSER"))
        .does([&](const Command& command) {
            EXPECT_TRUE(command.secret_stdin);
            EXPECT_EQ(command.script.find("s3cret"), std::string::npos);
            EXPECT_NE(command.stdin_data.find("s3cret''pw"), std::string::npos);
            sim.state().queries["role"] = "t|t|t|f|scram\n";
            sim.state().login = HostSnapshot::Login{true, "7000000000000000001", "1", ""};
            return Result<CommandResult>(command_ok());
        });
    auto step = make_role_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepRole, AltersOnlyWhenTheLoginFailsOnThePassword) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().queries["role"] = "t|t|t|f|scram\n";
    sim.state().login =
        HostSnapshot::Login{false, "", "", "FATAL:  password authentication failed for user"};
    sim.fake().expect_run("psql").with_stdin("ALTER ROLE \"replicator\"").does([&](const Command&) {
        sim.state().login = HostSnapshot::Login{true, "7000000000000000001", "1", ""};
        return Result<CommandResult>(command_ok());
    });
    auto step = make_role_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepRole, RefusesASuperuserRole) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().queries["role"] = "t|t|t|t|scram\n";
    auto step = make_role_step();
    auto report = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_TRUE(report.refused());
    EXPECT_NE(report.hint.find("NOSUPERUSER"), std::string::npos);
}

TEST(StepRole, AnHbaRejectionIsNotFixedByChangingThePassword) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().queries["role"] = "t|t|t|f|scram\n";
    sim.state().login = HostSnapshot::Login{
        false, "", "", "FATAL:  no pg_hba.conf entry for replication connection"};
    auto step = make_role_step();
    auto report = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

}  // namespace
}  // namespace pgrepl::test
