// The steps of `pgrepl handoff patroni`: each applied, re-run, and expected to change nothing.
#include <gtest/gtest.h>

#include "pgrepl/handoff/handoff.hpp"
#include "pgrepl/handoff/patroni_control.hpp"
#include "pgrepl/handoff/steps.hpp"
#include "pgrepl/inventory/load.hpp"
#include "pgrepl/pg/patroni.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

Inventory patroni_inventory() {
    return three_host_inventory_with("patroni: { scope: pg }\n");
}

const char* const kEtcdProcess = "  210 /usr/bin/etcd --config-file /etc/etcd/etcd.conf.yml\n";
const char* const kPatroniProcess =
    "  300 /usr/bin/python3 /usr/bin/patroni /etc/patroni/15-main.yml\n";

TEST(HandoffPackages, InstallsWhatIsMissingThenConverges) {
    auto inventory = patroni_inventory();
    SimHost sim("db1");
    sim.fake().add_file("/var/lib/dpkg/info/patroni.list", "/.\n");
    sim.fake()
        .expect_run("apt-get install -y")
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            EXPECT_NE(c.script.find("'etcd-server' 'etcd-client' 'patroni' 'python3-etcd3'"),
                      std::string::npos)
                << c.script;
            for (const char* package : {"etcd-server", "etcd-client", "python3-etcd3"})
                sim.fake().add_file(std::string("/var/lib/dpkg/info/") + package + ".list", "/.\n");
            return Result<CommandResult>(command_ok());
        });
    auto step = make_ha_packages_step();
    auto plan = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(plan.reason, "install etcd-server etcd-client python3-etcd3 (apt-get)");
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(HandoffEtcdConfig, WritesTheMembersConfigurationThenConverges) {
    auto inventory = patroni_inventory();
    SimHost sim("db2");
    sim.fake().add_file("/proc/1/comm", "init\n");
    sim.fake().expect_run("install -d -m 0755 /etc/etcd").mutation(Mutation::Mutating);
    sim.fake()
        .expect_write("/etc/etcd/etcd.conf.yml")
        .mode(0644)
        .content(TextMatch::substring("name: db2\n"));
    auto step = make_etcd_config_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
    const auto written = sim.fake().file("/etc/etcd/etcd.conf.yml");
    ASSERT_TRUE(written);
    EXPECT_NE(written->content.find("initial-cluster: db1=http://10.0.0.11:2380,db2=http://"
                                    "10.0.0.12:2380,db3=http://10.0.0.13:2380"),
              std::string::npos)
        << written->content;
}

TEST(HandoffEtcdConfig, AMemberGivenByNameListensOnWhatTheNameResolvesTo) {
    // etcd binds only to IP addresses ("expected IP in URL for binding"): it advertises the
    // name and listens on the address the name has on the host.
    auto loaded = parse_inventory(R"(
postgres: { version: 15 }
patroni: { scope: pg }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: db2.example.com, role: replica }
  - { name: db3, address: 10.0.0.13, role: replica }
)",
                                  "test.yaml");
    ASSERT_TRUE(loaded.ok());
    const Inventory& inventory = loaded.inventory;
    SimState state = streaming_standby("7000000000000000001", "10.0.0.11");
    state.resolves["db2.example.com"] = {"10.0.0.12", "fd00::12"};
    SimHost sim("db2", state);
    sim.fake().expect_run("install -d -m 0755 /etc/etcd");
    sim.fake().expect_write("/etc/etcd/etcd.conf.yml");
    auto step = make_etcd_config_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
    const std::string written = sim.fake().file("/etc/etcd/etcd.conf.yml")->content;
    EXPECT_NE(written.find("listen-peer-urls: http://10.0.0.12:2380\n"), std::string::npos)
        << written;
    EXPECT_NE(written.find("advertise-client-urls: http://db2.example.com:2379\n"),
              std::string::npos)
        << written;

    SimHost unresolved("db2", streaming_standby("7000000000000000001", "10.0.0.11"));
    auto refused = run_one(*step, inventory, inventory.hosts[1], unresolved);
    EXPECT_EQ(refused.status, StepStatus::Failed);
    EXPECT_EQ(refused.reason,
              "db2.example.com does not resolve on the host, and etcd listens only on IP "
              "addresses");
}

TEST(HandoffEtcdConfig, UnderSystemdAlsoWritesTheUnitsDropIn) {
    auto inventory = patroni_inventory();
    SimHost sim("db1");
    sim.fake().add_file("/proc/1/comm", "systemd\n");
    sim.fake().expect_run("install -d -m 0755 /etc/systemd/system/etcd.service.d");
    sim.fake()
        .expect_write("/etc/systemd/system/etcd.service.d/pgrepl.conf")
        .content(TextMatch::substring(
            "Environment=\"DAEMON_ARGS=--config-file /etc/etcd/etcd.conf.yml\""));
    sim.fake().expect_run("install -d -m 0755 /etc/etcd");
    sim.fake().expect_write("/etc/etcd/etcd.conf.yml");
    auto step = make_etcd_config_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(HandoffEtcdConfig, RefusesToRewriteTheConfigurationOfARunningEtcd) {
    auto inventory = patroni_inventory();
    SimState state;
    state.processes = kEtcdProcess;
    SimHost sim("db1", state);
    sim.fake().add_file("/etc/etcd/etcd.conf.yml", "name: other\n");
    auto step = make_etcd_config_step();
    auto report = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_NE(report.hint.find("etcdctl member add/remove"), std::string::npos) << report.hint;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(HandoffEtcd, StartsEtcdDetachedWithoutSystemdThenConverges) {
    auto inventory = patroni_inventory();
    SimHost sim("db3");
    sim.fake()
        .expect_run("start-stop-daemon --start")
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            EXPECT_NE(c.script.find("--chuid etcd:etcd"), std::string::npos) << c.script;
            EXPECT_NE(c.script.find("--output '/var/lib/etcd/pg.log'"), std::string::npos)
                << c.script;
            sim.state().processes = kEtcdProcess;
            return Result<CommandResult>(command_ok());
        });
    auto step = make_etcd_step();
    expect_converges(*step, inventory, inventory.hosts[2], sim);
}

TEST(HandoffPatroniConfig, WritesItSecretAndShowsNoPasswordInItsDiff) {
    auto inventory = patroni_inventory();
    SimHost sim("db1");
    sim.fake().expect_run("install -d -m 0755 /etc/patroni").mutation(Mutation::Mutating);
    sim.fake()
        .expect_write("/etc/patroni/15-main.yml")
        .mode(0600)
        .owner("postgres", "postgres")
        .content(TextMatch::substring("password: \"rest-pw\""));
    auto step = make_patroni_config_step("rest-pw");
    auto plan = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(plan.status, StepStatus::Changed);
    EXPECT_EQ(plan.diff.find("rest-pw"), std::string::npos) << plan.diff;
    EXPECT_EQ(plan.diff.find("s3cret"), std::string::npos) << plan.diff;
    EXPECT_NE(plan.diff.find("password: \"********\""), std::string::npos) << plan.diff;
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(HandoffPatroniConfig, ReloadsARunningPatroni) {
    auto inventory = patroni_inventory();
    SimState state;
    state.processes = kPatroniProcess;
    SimHost sim("db1", state);
    sim.fake().add_file("/etc/patroni/15-main.yml", "scope: old\n");
    sim.fake().expect_run("install -d -m 0755 /etc/patroni");
    sim.fake().expect_write("/etc/patroni/15-main.yml");
    sim.fake().expect_run("--signal HUP --pidfile '/run/pgrepl/patroni-15-main.pid'");
    auto step = make_patroni_config_step("rest-pw");
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(HandoffStartConf, SetsManualThenConverges) {
    auto inventory = patroni_inventory();
    SimHost sim("db2");
    sim.fake().add_file("/etc/postgresql/15/main/start.conf", "# Automatic startup\nauto\n");
    sim.fake()
        .expect_write("/etc/postgresql/15/main/start.conf")
        .content(TextMatch::regex("\nmanual\n$"));
    auto step = make_start_conf_step();
    auto plan = run_one(*step, inventory, inventory.hosts[1], sim, RunMode::Check);
    EXPECT_EQ(plan.reason, "auto -> manual (patroni@15-main starts it, not postgresql@15-main)");
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

TEST(HandoffPatroni, TakesOverTheRunningPrimaryWithoutStoppingIt) {
    auto inventory = patroni_inventory();
    SimHost sim("db1");
    sim.fake()
        .expect_run("start-stop-daemon --start")
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            EXPECT_EQ(c.script.find("pg_ctlcluster"), std::string::npos) << c.script;
            EXPECT_NE(c.script.find("--chuid postgres:postgres"), std::string::npos);
            EXPECT_NE(c.script.find("'http://10.0.0.11:8008/primary' 120"), std::string::npos)
                << c.script;
            sim.state().processes = kPatroniProcess;
            return Result<CommandResult>(command_ok());
        });
    auto step = make_patroni_step();
    auto plan = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(plan.reason,
              "start Patroni: it takes over the running primary 15/main and its leader key "
              "(PostgreSQL keeps running)");
    expect_converges(*step, inventory, inventory.hosts[0], sim);
    EXPECT_TRUE(sim.state().running);
}

TEST(HandoffPatroni, TakesOverAStandbyAndDropsPgreplsStandbyFile) {
    auto inventory = patroni_inventory();
    SimHost sim("db2", streaming_standby("7000000000000000001", "10.0.0.11"));
    const std::string standby_conf = "/etc/postgresql/15/main/conf.d/pgrepl-standby.conf";
    sim.fake().add_file(standby_conf, "primary_conninfo = 'host=10.0.0.11'\n");
    sim.fake()
        .expect_run("rm -f '" + standby_conf + "' && ")
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            EXPECT_NE(c.script.find("'http://10.0.0.12:8008/replica'"), std::string::npos)
                << c.script;
            sim.fake().remove_file(standby_conf);
            sim.state().processes = kPatroniProcess;
            return Result<CommandResult>(command_ok());
        });
    auto step = make_patroni_step();
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

TEST(HandoffPatroni, StartsPatroniOnAStoppedHostToRejoinItsLeader) {
    auto inventory = patroni_inventory();
    SimState state;
    state.running = false;
    SimHost sim("db1", state);
    sim.fake()
        .expect_run(TextMatch::regex("start-stop-daemon --start[\\s\\S]*/replica' 120"))
        .does([&](const Command&) {
            sim.state().processes = kPatroniProcess;
            sim.state().running = true;
            sim.state().role = LiveRole::Standby;
            return Result<CommandResult>(command_ok());
        });
    auto step = make_patroni_step();
    auto plan = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(plan.reason,
              "start Patroni: it starts 15/main as a standby of its leader (pg_rewind first when "
              "it diverged)");
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(HandoffPatroni, SystemdStartsTheDebianUnit) {
    auto inventory = patroni_inventory();
    SimHost sim("db1");
    sim.fake().add_file("/proc/1/comm", "systemd\n");
    sim.fake()
        .expect_run("systemctl enable --quiet 'patroni@15-main.service' && systemctl start")
        .does([&](const Command&) {
            sim.state().processes = kPatroniProcess;
            return Result<CommandResult>(command_ok());
        });
    auto step = make_patroni_step();
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(HandoffPatroni, AFailedStartPointsAtPatronisOutput) {
    auto inventory = patroni_inventory();
    SimHost sim("db1");
    sim.fake()
        .expect_run("start-stop-daemon --start")
        .returns(command_failed(1, "http://10.0.0.11:8008/primary: HTTP Error 503"));
    auto step = make_patroni_step();
    auto report = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_EQ(report.hint, "see /var/log/postgresql/patroni-15-main.log on the host");
}

TEST(HandoffPatronictl, ParsesTheMemberList) {
    auto members = parse_patronictl_list(
        R"([{"Cluster": "pg", "Member": "db1", "Host": "10.0.0.11", "Role": "Leader",
             "State": "running", "TL": 1},
            {"Cluster": "pg", "Member": "db2", "Host": "10.0.0.12", "Role": "Replica",
             "State": "streaming", "TL": 1, "Lag in MB": 0}])");
    ASSERT_TRUE(members) << members.error().message;
    ASSERT_EQ(members->size(), 2u);
    EXPECT_EQ((*members)[0].role, "Leader");
    EXPECT_EQ((*members)[0].timeline, "1");
    EXPECT_EQ((*members)[1].state, "streaming");
    EXPECT_EQ((*members)[1].lag, "0");
    EXPECT_FALSE(parse_patronictl_list("not json"));
}

TEST(HandoffPatroniControl, ThePasswordGoesOnStandardInputNotIntoTheScript) {
    const std::string script = patroni_post_script("http://10.0.0.12:8008/switchover", "patroni",
                                                   R"({"leader":"db1","candidate":"db2"})");
    EXPECT_NE(script.find("sys.stdin.readline()"), std::string::npos) << script;
    EXPECT_NE(script.find("'http://10.0.0.12:8008/switchover' 'patroni' "
                          "'{\"leader\":\"db1\",\"candidate\":\"db2\"}'"),
              std::string::npos)
        << script;
    EXPECT_EQ(script.find("password="), std::string::npos);
}

TEST(HandoffProcesses, MatchesProgramAndArgumentOnOneLine) {
    EXPECT_TRUE(runs_process(kPatroniProcess, "/usr/bin/patroni", "/etc/patroni/15-main.yml"));
    EXPECT_FALSE(runs_process(kPatroniProcess, "/usr/bin/patroni", "/etc/patroni/16-main.yml"));
    EXPECT_FALSE(runs_process("1 /usr/bin/patroni\n2 cat /etc/patroni/15-main.yml\n",
                              "/usr/bin/patroni", "/etc/patroni/15-main.yml"));
}

}  // namespace
}  // namespace pgrepl::test
