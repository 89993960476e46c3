// run_handoff's orchestration with simulated hosts: what is refused before any host is
// contacted or changed, and a re-run on a cluster already handed over (every step ok, etcd's
// health asked, nothing changed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "pgrepl/handoff/handoff.hpp"
#include "pgrepl/pg/patroni.hpp"
#include "support/sim_lab.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

Inventory handoff_inventory(const std::string& patroni = "patroni: { scope: pg }\n") {
    return three_host_inventory_with(patroni);
}

// db1 a running primary, db2 and db3 standbys streaming from it.
SimLab streaming_lab() {
    SimLab lab;
    lab.hosts["db1"] = std::make_unique<SimHost>("db1");
    for (const char* name : {"db2", "db3"}) {
        lab.hosts[name] =
            std::make_unique<SimHost>(name, streaming_standby("7000000000000000001", "10.0.0.11"));
    }
    return lab;
}

class HandoffRun : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("PGREPL_REPLICATION_PASSWORD", "pw", 1);
        ::setenv("PGREPL_PATRONI_PASSWORD", "rest", 1);
    }
    void TearDown() override {
        ::unsetenv("PGREPL_REPLICATION_PASSWORD");
        ::unsetenv("PGREPL_PATRONI_PASSWORD");
    }
};

TEST_F(HandoffRun, NoPatroniSectionOrNoPasswordTouchesNoHost) {
    SimLab lab = streaming_lab();
    std::ostringstream out;
    EXPECT_EQ(run_handoff(handoff_inventory(""), {}, lab.factory(), out).exit_code,
              ExitCode::Usage);
    ::unsetenv("PGREPL_PATRONI_PASSWORD");
    EXPECT_EQ(run_handoff(handoff_inventory(), {}, lab.factory(), out).exit_code, ExitCode::Usage);
    EXPECT_EQ(lab.connects, 0);
}

TEST_F(HandoffRun, AnUnreachableHostStopsItBeforeAnyChange) {
    SimLab lab = streaming_lab();
    lab.unreachable = {"db3"};
    std::ostringstream out;
    const auto report = run_handoff(handoff_inventory(), {}, lab.factory(), out);
    EXPECT_EQ(report.exit_code, ExitCode::Failed) << out.str();
    EXPECT_EQ(lab.mutating_calls(), 0);
}

TEST_F(HandoffRun, WithoutARunningPrimaryItIsRefused) {
    SimLab lab = streaming_lab();
    lab.hosts["db1"]->state().running = false;
    std::ostringstream out;
    const auto report = run_handoff(handoff_inventory(), {}, lab.factory(), out);
    EXPECT_EQ(report.exit_code, ExitCode::Refused) << out.str();
    EXPECT_NE(out.str().find("no host runs a primary"), std::string::npos) << out.str();
    EXPECT_EQ(lab.mutating_calls(), 0);
}

TEST_F(HandoffRun, ARerunOnAHandedOverClusterChangesNothing) {
    const Inventory inventory = handoff_inventory();
    SimLab lab = streaming_lab();
    for (const Host& host : inventory.hosts) {
        SimHost& sim = *lab.hosts[host.name];
        for (const char* package : {"etcd-server", "etcd-client", "patroni", "python3-etcd3"})
            sim.fake().add_file(std::string("/var/lib/dpkg/info/") + package + ".list", "/.\n");
        sim.fake().add_file(
            etcd_config_path(),
            render_etcd_config(inventory, *etcd_member_of(inventory, host), host.address));
        sim.fake().add_file(patroni_config_path(host),
                            render_patroni_config(inventory, host, PatroniSecrets{"pw", "rest"}));
        sim.fake().add_file("/etc/postgresql/15/main/start.conf", "manual\n");
        sim.state().processes =
            "  210 /usr/bin/etcd --config-file /etc/etcd/etcd.conf.yml\n"
            "  300 /usr/bin/python3 /usr/bin/patroni /etc/patroni/15-main.yml\n";
    }
    auto& db1 = lab.hosts["db1"]->fake();
    db1.expect_run("endpoint health")
        .returns(command_ok("1, started, db1, http://10.0.0.11:2380, http://10.0.0.11:2379, false\n"
                            "2, started, db2, http://10.0.0.12:2380, http://10.0.0.12:2379, false\n"
                            "3, started, db3, http://10.0.0.13:2380, http://10.0.0.13:2379, "
                            "false\n"));
    db1.expect_run("put '/pgrepl/pg/handoff'").mutation(Mutation::Mutating);
    db1.expect_run("patronictl -c '/etc/patroni/15-main.yml' list -f json")
        .returns(
            command_ok(R"([{"Member": "db1", "Role": "Leader", "State": "running", "TL": 1}])"));
    std::ostringstream out;
    const auto report = run_handoff(inventory, {}, lab.factory(), out);
    EXPECT_EQ(report.exit_code, ExitCode::Ok) << out.str();
    for (const auto& step : report.steps)
        EXPECT_EQ(step.status, StepStatus::Ok)
            << step.host << " " << step.step << ": " << step.reason;
    EXPECT_EQ(report.steps.size(), 3u * 6u + 1u);  // six steps per host, and etcd-health
    EXPECT_EQ(lab.mutating_calls(), 1);            // etcd-health's write and read back
    ASSERT_EQ(report.members.size(), 1u);
    EXPECT_EQ(report.members[0].role, "Leader");
    EXPECT_EQ(out.str().find("took over"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace pgrepl::test
