// Judging gathered states: each fault is detected and named, and nothing else is reported.
#include <gtest/gtest.h>

#include <algorithm>

#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

using test::assess_states;
using test::host_report;
using test::problem_keys;

void expect_check(const VerifyReport& report, const std::string& host, const std::string& check,
                  CheckStatus status, const std::string& message_part,
                  const std::string& hint_part = {}) {
    const CheckResult* found = host_report(report, host).check(check);
    ASSERT_NE(found, nullptr) << host << " has no check " << check;
    EXPECT_EQ(found->status, status) << host << ":" << check << " " << found->message;
    EXPECT_NE(found->message.find(message_part), std::string::npos)
        << host << ":" << check << " message: " << found->message;
    EXPECT_NE(found->hint.find(hint_part), std::string::npos)
        << host << ":" << check << " hint: " << found->hint;
}

/// db3 as seen when its PostgreSQL is stopped: reached, no postmaster, psql cannot connect.
HostState stopped(const Inventory& inventory, const std::string& name) {
    HostState state;
    state.host = inventory.find_host(name);
    state.psql_error = "connection to server on socket failed: No such file or directory";
    state.log_tail = {"2026-01-01 00:00:00 UTC [1] LOG:  database system is shut down"};
    return state;
}

/// The healthy cluster with db3's PostgreSQL running but refusing psql with `error`.
VerifyReport db3_refusing(const Inventory& inventory, const std::string& error) {
    auto states = test::healthy_states(inventory);
    states[2] = stopped(inventory, "db3");
    states[2].processes.postmaster_pid = 60;
    states[2].psql_error = error;
    return assess_states(inventory, std::move(states));
}

/// db1 no longer streaming to db3 (no walsender, inactive slot).
void drop_sender(HostState& primary, const std::string& replica) {
    auto& rows = primary.replication;
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const auto& row) { return row.application_name == replica; }),
               rows.end());
    for (auto& slot : primary.slots) {
        if (slot.name == replica) slot.active = false;
    }
}

TEST(VerifyAssess, HealthyOnePlusTwo) {
    const Inventory inventory = test::verify_inventory();
    const VerifyReport report = assess_states(inventory, test::healthy_states(inventory));
    EXPECT_TRUE(report.healthy());
    EXPECT_TRUE(report.problems().empty()) << problem_keys(report).front();
    EXPECT_EQ(report.primary, "db1");
    EXPECT_FALSE(report.inventory_differs());
    EXPECT_EQ(host_report(report, "db1").state, "primary");
    EXPECT_EQ(host_report(report, "db2").state, "streaming");
    EXPECT_EQ(host_report(report, "db3").upstream, "db1");
    expect_check(report, "db1", "replicas", CheckStatus::Ok, "2 of 2 replica(s) streaming");
    expect_check(report, "db1", "probe", CheckStatus::Ok, "emitted a WAL record at 0/5000100");
    expect_check(report, "db2", "probe", CheckStatus::Ok, "replayed the probe record in 3 ms");
    expect_check(report, "db2", "slot", CheckStatus::Ok, "slot db2 active on db1");
    expect_check(report, "db2", "lag", CheckStatus::Ok, "0 B behind the primary");
    expect_check(report, "db3", "walsender", CheckStatus::Ok, "db1 sends to db3: state streaming");
    expect_check(report, "db3", "walsender_process", CheckStatus::Ok, "pid 102 on db1");
    expect_check(report, "db3", "wal_receiver_process", CheckStatus::Ok, "pid 70");
    // The fixed list of checks of a standby (docs/verify.md).
    std::vector<std::string> names;
    for (const auto& check : host_report(report, "db2").checks) names.push_back(check.name);
    EXPECT_EQ(names,
              (std::vector<std::string>{"ssh", "gather", "postgres", "connections", "queries",
                                        "system_identifier", "role", "upstream", "wal_receiver",
                                        "wal_receiver_process", "walsender", "walsender_process",
                                        "slot", "replay", "lag", "probe", "slots", "settings"}));
}

TEST(VerifyAssess, ReplicaPostgresStopped) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[2] = stopped(inventory, "db3");
    drop_sender(states[0], "db3");
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_FALSE(report.healthy());
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:postgres"}));
    expect_check(report, "db3", "postgres", CheckStatus::Failed,
                 "PostgreSQL is not running; last log line: 2026-01-01 00:00:00 UTC [1] LOG:  "
                 "database system is shut down",
                 "pg_ctlcluster 15 main start");
    expect_check(report, "db3", "slot", CheckStatus::Skipped, "db3 is not streaming");
    expect_check(report, "db3", "lag", CheckStatus::Skipped, "skipped: PostgreSQL is not running");
    EXPECT_EQ(host_report(report, "db3").state, "down");
    EXPECT_TRUE(host_report(report, "db1").healthy());
}

TEST(VerifyAssess, ReplicaHostDownStillShowsWhatItsUpstreamSays) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[2] = HostState{};
    states[2].host = &inventory.hosts[2];
    states[2].unreachable = make_host_error(ErrorKind::Connect, "db3", "connect",
                                            "cannot open an SSH connection", "check it");
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:ssh"}));
    expect_check(report, "db3", "ssh", CheckStatus::Failed,
                 "unreachable: connect: cannot open an SSH connection", "check it");
    // The walsender on db1 has not noticed yet: reported as is.
    expect_check(report, "db3", "walsender", CheckStatus::Ok, "db1 sends to db3");
    EXPECT_EQ(host_report(report, "db3").state, "unreachable");
}

TEST(VerifyAssess, WalReceiverKilledAndRestarting) {
    const Inventory inventory = test::verify_inventory();
    const VerifyReport report = db3_refusing(
        inventory, "connection to server failed: FATAL:  the database system is in recovery mode");
    expect_check(report, "db3", "connections", CheckStatus::Failed, "recovery mode",
                 "starting or recovering");
    EXPECT_EQ(host_report(report, "db3").state, "starting");
    EXPECT_FALSE(report.healthy());
}

// Without root and sudo (become never), psql runs as the SSH user, a role the server lacks:
// the hint says how to log in, not to read the server log.
TEST(VerifyAssess, ARoleNamedAfterTheSshUserPointsAtBecome) {
    Inventory inventory = test::verify_inventory();
    for (auto& host : inventory.hosts) {
        host.ssh.user = "pgrepl-nosudo";
        host.ssh.become = Become::Never;
    }
    const VerifyReport report = db3_refusing(
        inventory,
        "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  "
        "role \"pgrepl-nosudo\" does not exist");
    expect_check(report, "db3", "connections", CheckStatus::Failed,
                 "role \"pgrepl-nosudo\" does not exist",
                 "verify ran psql as pgrepl-nosudo (not root, and ssh.become: never runs no sudo): "
                 "log in as root, or set ssh.become: auto");

    // Another role, or a user that becomes root: the log is the place to look.
    inventory.hosts[2].ssh.become = Become::Auto;
    const VerifyReport other =
        db3_refusing(inventory, "FATAL:  role \"pgrepl-nosudo\" does not exist");
    expect_check(other, "db3", "connections", CheckStatus::Failed, "does not exist",
                 "look at /var/log/postgresql/postgresql-15-main.log");
}

TEST(VerifyAssess, WalReceiverNotRunningBecauseOfPgHba) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    drop_sender(states[0], "db3");
    states[2].receiver.reset();
    states[2].processes.walreceiver.reset();
    states[2].log_tail = {
        "LOG:  waiting for WAL to become available at 0/3000018",
        "FATAL:  could not connect to the primary server: connection to server at "
        "\"10.0.0.11\", port 5432 failed: FATAL:  no pg_hba.conf entry for replication "
        "connection from host \"10.0.0.13\", user \"replicator\", no encryption",
        "LOG:  waiting for WAL to become available at 0/3000018"};
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:wal_receiver"}));
    expect_check(report, "db3", "wal_receiver", CheckStatus::Failed,
                 "wal receiver not running; last log line: FATAL:  could not connect",
                 "check pg_hba on db1 for 10.0.0.13");
    expect_check(report, "db3", "upstream", CheckStatus::Ok, "should stream from db1");
    expect_check(report, "db3", "probe", CheckStatus::Skipped, "not streaming");
    EXPECT_EQ(host_report(report, "db3").state, "no-receiver");
}

TEST(VerifyAssess, SlotDropped) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    drop_sender(states[0], "db3");
    states[0].slots.pop_back();
    states[2].receiver->status = "waiting";
    states[2].log_tail = {
        "FATAL:  could not start WAL streaming: ERROR:  replication slot "
        "\"db3\" does not exist"};
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:wal_receiver", "db3:slot"}));
    expect_check(report, "db3", "slot", CheckStatus::Failed, "slot db3 missing on db1",
                 "pgrepl setup");
    expect_check(report, "db3", "wal_receiver", CheckStatus::Failed,
                 "wal receiver is waiting, not streaming", "the slot is missing on db1");
    EXPECT_EQ(host_report(report, "db3").state, "waiting");
}

TEST(VerifyAssess, ReplayPausedWhileThePrimaryWrites) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[0].server->current_lsn = parse_lsn("0/7000000");  // 32 MiB ahead of 0/5000000
    states[0].replication[1].replay_lag_seconds = 12.5;
    states[2].server->replay_paused = true;
    states[2].server->receive_lsn = parse_lsn("0/7000000");
    const VerifyReport report = assess_states(inventory, std::move(states));
    expect_check(report, "db3", "replay", CheckStatus::Failed, "WAL replay is paused",
                 "SELECT pg_wal_replay_resume();");
    expect_check(report, "db3", "lag", CheckStatus::Failed,
                 "32.0 MiB behind the primary, 12.5 s; over --max-lag-bytes 16777216");
    expect_check(report, "db3", "probe", CheckStatus::Skipped, "replay is paused");
    EXPECT_EQ(host_report(report, "db3").state, "paused");
    EXPECT_EQ(host_report(report, "db3").lag.bytes, 32 * 1024 * 1024);
    // db2 replayed everything: its lag is measured against the same primary.
    expect_check(report, "db2", "lag", CheckStatus::Failed, "32.0 MiB");
}

TEST(VerifyAssess, PrimaryDownAllReplicasReportNoUpstream) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[0] = stopped(inventory, "db1");
    for (std::size_t i : {1, 2}) {
        states[i].receiver.reset();
        states[i].processes.walreceiver.reset();
        states[i].log_tail = {
            "FATAL:  could not connect to the primary server: connection to "
            "server at \"10.0.0.11\", port 5432 failed: Connection refused"};
    }
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_FALSE(report.primary.has_value());
    EXPECT_EQ(problem_keys(report),
              (std::vector<std::string>{"db1:postgres", "db2:upstream", "db2:wal_receiver",
                                        "db3:upstream", "db3:wal_receiver"}));
    expect_check(report, "db2", "upstream", CheckStatus::Failed,
                 "no upstream: db1, which it should stream from, is down", "pgrepl promote");
    expect_check(report, "db3", "wal_receiver", CheckStatus::Failed, "Connection refused",
                 "db1 does not accept connections on 10.0.0.11:5432");
    expect_check(report, "db2", "probe", CheckStatus::Skipped, "no live primary");
    EXPECT_EQ(report.probe_error, "there is no live primary");
    EXPECT_EQ(host_report(report, "db1").state, "down");
}

TEST(VerifyAssess, AfterAFailoverTheLiveTopologyIsHealthyWithANote) {
    const Inventory inventory = test::verify_inventory();
    std::vector<HostState> states = {test::standby_state(inventory, "db1", "db2"),
                                     test::primary_state(inventory, "db2", {"db1", "db3"}),
                                     test::standby_state(inventory, "db3", "db2")};
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_TRUE(report.healthy()) << problem_keys(report).front();
    EXPECT_TRUE(report.problems().empty());
    EXPECT_EQ(report.primary, "db2");
    ASSERT_TRUE(report.inventory_differs());
    EXPECT_EQ(report.notes[0], "the live primary is db2; the inventory says db1");
    expect_check(report, "db2", "role", CheckStatus::Ok, "primary (the inventory says replica)");
    expect_check(report, "db1", "role", CheckStatus::Ok, "standby (the inventory says primary)");
    expect_check(report, "db1", "slot", CheckStatus::Ok, "slot db1 active on db2");
}

TEST(VerifyAssess, SplitBrainIsLoud) {
    const Inventory inventory = test::verify_inventory();
    std::vector<HostState> states = {test::primary_state(inventory, "db1", {"db3"}),
                                     test::primary_state(inventory, "db2", {}),
                                     test::standby_state(inventory, "db3", "db1")};
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_FALSE(report.healthy());
    EXPECT_TRUE(report.split_brain());
    expect_check(report, "db1", "role", CheckStatus::Failed,
                 "SPLIT BRAIN: db1 and db2 both run as primaries", "stop writes now");
    expect_check(report, "db2", "role", CheckStatus::Failed, "SPLIT BRAIN");
    EXPECT_EQ(host_report(report, "db2").state, "split-brain");
    EXPECT_TRUE(host_report(report, "db3").healthy());
}

TEST(VerifyAssess, ForeignClusterIsNotAReplica) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    drop_sender(states[0], "db3");
    states[2] = test::primary_state(inventory, "db3", {});
    states[2].server->system_identifier = "999";
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:system_identifier"}));
    expect_check(report, "db3", "system_identifier", CheckStatus::Failed,
                 "belongs to another cluster: system identifier 999",
                 "pgrepl setup --force --limit db3");
    EXPECT_EQ(host_report(report, "db3").state, "foreign");
}

TEST(VerifyAssess, WithoutSlotsThereIsNoSlotCheck) {
    const Inventory inventory = test::verify_inventory(3, /*slots=*/false);
    auto states = test::healthy_states(inventory);
    states[0].slots.clear();
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_TRUE(report.healthy());
    EXPECT_EQ(host_report(report, "db2").check("slot"), nullptr);
}

TEST(VerifyAssess, WarningsKeepTheClusterHealthy) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    ReplicationRow extra = states[0].replication[0];
    extra.application_name = "pg_basebackup";
    extra.client_addr = "10.0.0.99";
    extra.state = "backup";
    states[0].replication.push_back(extra);
    states[0].slots.push_back({"old_replica", "physical", false, "0/4000000", "reserved", ""});
    states[1].settings = {{"wal_level", "replica", "", "postmaster", "configuration file",
                           "/var/lib/postgresql/15/main/postgresql.auto.conf", 3, false}};
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_TRUE(report.healthy());
    EXPECT_EQ(problem_keys(report),
              (std::vector<std::string>{"db1:replicas", "db1:slots", "db2:settings"}));
    expect_check(report, "db1", "replicas", CheckStatus::Warning,
                 "pg_basebackup from 10.0.0.99 (backup)");
    expect_check(report, "db1", "slots", CheckStatus::Warning, "old_replica (retains 16.0 MiB)",
                 "pg_drop_replication_slot");
    expect_check(report, "db2", "settings", CheckStatus::Warning, "postgresql.auto.conf");
}

TEST(VerifyAssess, WalsenderProblemsOnTheUpstream) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[0].replication[0].state = "catchup";
    states[0].processes.walsenders.pop_back();                  // db3's walsender missing from ps
    states[0].replication[1].application_name = "walreceiver";  // default name: no match
    const VerifyReport report = assess_states(inventory, std::move(states));
    expect_check(report, "db2", "walsender", CheckStatus::Failed, "state catchup");
    expect_check(report, "db3", "walsender", CheckStatus::Failed, "db1 has no walsender for db3",
                 "application_name=db3");
}

TEST(VerifyAssess, WalsenderProcessMissingFromPs) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[0].processes.walsenders.pop_back();
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:walsender_process"}));
    expect_check(report, "db3", "walsender_process", CheckStatus::Failed,
                 "ps on db1 shows no walsender process pid 102");
}

TEST(VerifyAssess, ProbeTimeoutAndEmitFailure) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    const LiveTopology topology = live_topology(inventory, live_hosts(states));
    ProbeOutcome probe = test::replayed_probe(topology, states);
    probe.hosts[2] = ProbeResult{ProbeStatus::Timeout, std::nullopt, false, "0/5000000",
                                 "replay is at 0/5000000, the probe record at 0/5000100"};
    VerifyThresholds thresholds;
    thresholds.timeout = std::chrono::milliseconds(2500);
    VerifyReport report = assess(inventory, states, topology, probe, thresholds);
    expect_check(report, "db3", "probe", CheckStatus::Failed,
                 "did not replay the probe record within 2.5 s (replay is at 0/5000000");
    EXPECT_EQ(host_report(report, "db3").state, "stalled");

    ProbeOutcome failed;
    failed.hosts.resize(3);
    failed.primary = 0;
    failed.error = "db1: verify: emitting the probe record failed: permission denied";
    report = assess(inventory, states, topology, failed, thresholds);
    expect_check(report, "db1", "probe", CheckStatus::Failed, "permission denied");
    expect_check(report, "db2", "probe", CheckStatus::Skipped, "not run: db1: verify");
}

TEST(VerifyAssess, QueryErrorsFail) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[1].query_errors = {"psql: psql:<stdin>:9: ERROR:  permission denied"};
    const VerifyReport report = assess_states(inventory, std::move(states));
    expect_check(report, "db2", "queries", CheckStatus::Failed, "permission denied");
}

TEST(VerifyAssess, GatherErrorBlocksTheRest) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[1] = HostState{};
    states[1].host = &inventory.hosts[1];
    states[1].gather_error =
        make_host_error(ErrorKind::Sudo, "db2", "", "sudo -n refused", "give sudo");
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db2:gather"}));
    expect_check(report, "db2", "gather", CheckStatus::Failed, "sudo -n refused", "give sudo");
    EXPECT_EQ(host_report(report, "db2").state, "error");
}

TEST(VerifyAssess, UnknownSenderFails) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[2].receiver->sender_host = "10.9.9.9";
    const VerifyReport report = assess_states(inventory, std::move(states));
    expect_check(report, "db3", "upstream", CheckStatus::Failed,
                 "streams from 10.9.9.9:5432, which is not an inventory host");
}

TEST(VerifyAssess, NoHostsIsNotHealthy) {
    VerifyReport report;
    EXPECT_FALSE(report.healthy());
}

}  // namespace
}  // namespace pgrepl
