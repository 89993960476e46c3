// run_setup's orchestration with simulated hosts: what is refused before any host is contacted,
// unreachable hosts, drift, and check mode.
#include <gtest/gtest.h>

#include <algorithm>

#include <cstdlib>
#include <set>
#include <sstream>

#include "pgrepl/setup/setup.hpp"
#include "support/sim_lab.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

SimState bare() {
    SimState state;
    state.cluster_exists = false;
    state.running = false;
    state.pg_version_file = false;
    state.login = HostSnapshot::Login{false, "", "", "could not connect to server"};
    return state;
}

using Lab = SimLab;

class SetupOrchestration : public ::testing::Test {
  protected:
    void SetUp() override { ::setenv("PGREPL_REPLICATION_PASSWORD", "pw", 1); }
    void TearDown() override { ::unsetenv("PGREPL_REPLICATION_PASSWORD"); }
};

TEST_F(SetupOrchestration, BadLimitAndMissingPasswordTouchNoHost) {
    auto inventory = three_host_inventory();
    Lab lab;
    std::ostringstream out;
    SetupOptions options;
    options.limit = {"db9"};
    EXPECT_EQ(run_setup(inventory, options, lab.factory(), out).exit_code, ExitCode::Usage);
    ::unsetenv("PGREPL_REPLICATION_PASSWORD");
    EXPECT_EQ(run_setup(inventory, SetupOptions{}, lab.factory(), out).exit_code, ExitCode::Usage);
    EXPECT_EQ(lab.connects, 0);
}

TEST_F(SetupOrchestration, CheckModeOnBareHostsPlansAndChangesNothing) {
    auto inventory = three_host_inventory();
    Lab lab;
    for (const char* name : {"db1", "db2", "db3"})
        lab.hosts[name] = std::make_unique<SimHost>(name, bare());
    std::ostringstream out;
    SetupOptions options;
    options.mode = RunMode::Check;
    const auto report = run_setup(inventory, options, lab.factory(), out);
    EXPECT_EQ(report.exit_code, ExitCode::Ok) << out.str();
    // The report holds every step printed, as values.
    EXPECT_TRUE(std::any_of(report.steps.begin(), report.steps.end(), [](const StepReport& r) {
        return r.host == "db2" && r.step == "replica" && r.status == StepStatus::Changed;
    }));
    EXPECT_NE(out.str().find("RECAP (check mode: nothing was changed)"), std::string::npos);
    EXPECT_NE(out.str().find("db2   replica   would change clone from db1"), std::string::npos)
        << out.str();
    for (auto& [name, host] : lab.hosts) EXPECT_EQ(host->fake().mutating_calls(), 0) << name;
}

TEST_F(SetupOrchestration, AnUnreachableHostFailsAloneAndSkipsItsDependants) {
    auto inventory = three_host_inventory();
    Lab lab;
    for (const char* name : {"db1", "db2", "db3"})
        lab.hosts[name] = std::make_unique<SimHost>(name, bare());
    lab.unreachable = {"db1"};
    std::ostringstream out;
    SetupOptions options;
    options.mode = RunMode::Check;
    EXPECT_EQ(run_setup(inventory, options, lab.factory(), out).exit_code, ExitCode::Failed);
    EXPECT_NE(out.str().find("db1   connect   failed"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("db2   upstream  skipped  upstream db1 did not complete"),
              std::string::npos)
        << out.str();
}

TEST_F(SetupOrchestration, APromotedReplicaIsRefusedAndNotTouched) {
    auto inventory = three_host_inventory();
    Lab lab;
    SimState primary;  // db1: a primary (as the inventory says)
    primary.system_identifier = "7000";
    SimState promoted = primary;  // db2: also a primary of the same system
    SimState standby = primary;   // db3: a standby of that system
    standby.role = LiveRole::Standby;
    standby.standby_signal = true;
    lab.hosts["db1"] = std::make_unique<SimHost>("db1", primary);
    lab.hosts["db2"] = std::make_unique<SimHost>("db2", promoted);
    lab.hosts["db3"] = std::make_unique<SimHost>("db3", standby);
    std::ostringstream out;
    SetupOptions options;
    options.mode = RunMode::Check;
    EXPECT_EQ(run_setup(inventory, options, lab.factory(), out).exit_code, ExitCode::Refused)
        << out.str();
    EXPECT_NE(
        out.str().find("db2   topology  failed   db2 is running as a primary of this cluster"),
        std::string::npos)
        << out.str();
    EXPECT_EQ(lab.hosts["db2"]->fake().mutating_calls(), 0);
}

}  // namespace
}  // namespace pgrepl::test

namespace pgrepl::test {
namespace {

TEST_F(SetupOrchestration, LimitChecksDependenciesWithoutChangingThem) {
    auto inventory = three_host_inventory();
    Lab lab;
    for (const char* name : {"db1", "db2", "db3"})
        lab.hosts[name] = std::make_unique<SimHost>(name, bare());
    std::ostringstream out;
    SetupOptions options;
    options.limit = {"db2"};
    // db1 would need changes: it is checked only (the dry-run guard refuses any change), and
    // db2 is skipped; db3 is not contacted at all.
    EXPECT_EQ(run_setup(inventory, options, lab.factory(), out).exit_code, ExitCode::Failed)
        << out.str();
    EXPECT_NE(out.str().find("db2   upstream  failed   upstream db1 is not up to date"),
              std::string::npos)
        << out.str();
    EXPECT_EQ(lab.connects, 2);
    EXPECT_EQ(lab.hosts["db1"]->fake().mutating_calls(), 0);
    EXPECT_EQ(lab.hosts["db2"]->fake().mutating_calls(), 0);
    EXPECT_TRUE(lab.hosts["db3"]->fake().calls().empty());
}

}  // namespace
}  // namespace pgrepl::test
