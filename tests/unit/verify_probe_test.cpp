// The end-to-end probe: its SQL, parsers, plan and result.
#include <gtest/gtest.h>

#include "support/fake_executor.hpp"
#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

using namespace std::chrono_literals;

TEST(VerifyProbe, EmitSqlWritesOnlyAWalMessageAndNeverWaitsForSyncStandbys) {
    const std::string sql = probe_emit_sql();
    EXPECT_NE(sql.find("pg_logical_emit_message(true, 'pgrepl-verify'"), std::string::npos);
    EXPECT_NE(sql.find("SET LOCAL synchronous_commit = local;"), std::string::npos);
    EXPECT_NE(sql.find("statement_timeout"), std::string::npos);
    for (const char* write : {"INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "TRUNCATE"}) {
        EXPECT_EQ(sql.find(write), std::string::npos) << write;
    }
}

TEST(VerifyProbe, ParseEmit) {
    const auto emission = parse_probe_emit("1700000000.25\n0/40394F0\n");
    ASSERT_TRUE(emission.ok()) << emission.error().message;
    EXPECT_DOUBLE_EQ(emission->clock_epoch, 1700000000.25);
    EXPECT_EQ(emission->lsn, "0/40394F0");
    EXPECT_FALSE(parse_probe_emit("1700000000.25\n").ok());
    EXPECT_FALSE(parse_probe_emit("x\n0/1\n").ok());
    EXPECT_FALSE(parse_probe_emit("1.0\nnot-an-lsn\n").ok());
    EXPECT_FALSE(parse_probe_emit("ERROR:  cannot execute in a read-only transaction\n").ok());
}

TEST(VerifyProbe, WaitSqlIsReadOnlyAndBounded) {
    const std::string sql = probe_wait_sql(PgVersion{15, 0}, "0/40394f0", 2500ms);
    EXPECT_NE(sql.find("'0/40394F0'::pg_lsn"), std::string::npos) << "re-formatted LSN";
    EXPECT_NE(sql.find("interval '2500 milliseconds'"), std::string::npos);
    EXPECT_NE(sql.find("statement_timeout = '7500ms'"), std::string::npos);
    EXPECT_NE(sql.find("pg_last_wal_replay_lsn()"), std::string::npos);
    EXPECT_NE(sql.find("pg_sleep(0.001)"), std::string::npos);
    EXPECT_EQ(sql.find("emit"), std::string::npos);
    const std::string old = probe_wait_sql(PgVersion{9, 6}, "0/1", 1s);
    EXPECT_NE(old.find("pg_last_xlog_replay_location()"), std::string::npos);
    EXPECT_THROW(probe_wait_sql(PgVersion{15, 0}, "0/1'; DROP TABLE x; --", 1s),
                 std::invalid_argument);
}

TEST(VerifyProbe, ParseWaitAndResult) {
    const ProbeEmission emission{1700000000.0, "0/5000100"};
    {
        const auto wait = parse_probe_wait("1700000000.010|f\n1700000000.0125|t|0/5000200\n");
        ASSERT_TRUE(wait.ok()) << wait.error().message;
        const ProbeResult result = probe_result(emission, *wait);
        EXPECT_EQ(result.status, ProbeStatus::Replayed);
        ASSERT_TRUE(result.ms.has_value());
        EXPECT_NEAR(*result.ms, 12.5, 0.01);
        EXPECT_FALSE(result.upper_bound);
        EXPECT_EQ(result.replay_lsn, "0/5000200");
    }
    {
        const auto wait = parse_probe_wait("1700000000.020|t\n1700000000.021|t|0/5000200\n");
        ASSERT_TRUE(wait.ok());
        const ProbeResult result = probe_result(emission, *wait);
        EXPECT_TRUE(result.upper_bound) << "already replayed at the first look";
        EXPECT_NEAR(*result.ms, 20.0, 0.01);
    }
    {
        const auto wait = parse_probe_wait("1699999999.000|t\n1699999999.001|t|0/5000200\n");
        ASSERT_TRUE(wait.ok());
        EXPECT_EQ(*probe_result(emission, *wait).ms, 0.0) << "clock skew never goes negative";
    }
    {
        const auto wait = parse_probe_wait("1700000000.010|f\n1700000010.0|f|0/5000000\n");
        ASSERT_TRUE(wait.ok());
        const ProbeResult result = probe_result(emission, *wait);
        EXPECT_EQ(result.status, ProbeStatus::Timeout);
        EXPECT_FALSE(result.ms.has_value());
        EXPECT_NE(result.detail.find("0/5000000"), std::string::npos);
    }
    EXPECT_FALSE(parse_probe_wait("1.0|t|0/1\n").ok());
    EXPECT_FALSE(parse_probe_wait("1.0|t\n1.0|x|0/1\n").ok());
    EXPECT_FALSE(parse_probe_wait("1.0|t\n1.0|t|bad\n").ok());
}

TEST(VerifyProbe, PlanHealthy) {
    const Inventory inventory = test::verify_inventory();
    const auto states = test::healthy_states(inventory);
    const auto topology = live_topology(inventory, live_hosts(states));
    const ProbePlan plan = plan_probe(topology, states);
    EXPECT_EQ(plan.primary, 0u);
    EXPECT_EQ(plan.standbys, (std::vector<std::size_t>{1, 2}));
    EXPECT_TRUE(plan.skipped.empty());
}

TEST(VerifyProbe, PlanSkipsStandbysThatCannotReceive) {
    const Inventory inventory = test::verify_inventory(5);
    std::vector<HostState> states = {
        test::primary_state(inventory, "db1", {"db2", "db3", "db4"}),
        test::standby_state(inventory, "db2", "db1"), test::standby_state(inventory, "db3", "db1"),
        test::standby_state(inventory, "db4", "db1"), test::standby_state(inventory, "db5", "db3")};
    states[1].server->replay_paused = true;  // paused
    states[2].receiver->status = "waiting";  // not streaming, and db5 cascades from it
    states[3].accepting = false;             // refuses connections
    states[3].server.reset();
    const auto topology = live_topology(inventory, live_hosts(states));
    const ProbePlan plan = plan_probe(topology, states);
    EXPECT_TRUE(plan.standbys.empty());
    EXPECT_EQ(plan.skipped.at(1), "replay is paused");
    EXPECT_EQ(plan.skipped.at(2), "its wal receiver is not streaming");
    EXPECT_EQ(plan.skipped.count(3), 0u) << "an unknown role is not planned at all";
    EXPECT_EQ(plan.skipped.at(4), "its upstream db3 is not streaming");
}

TEST(VerifyProbe, PlanWithoutPrimary) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[0] = HostState{};
    states[0].host = &inventory.hosts[0];
    const auto topology = live_topology(inventory, live_hosts(states));
    const ProbePlan plan = plan_probe(topology, states);
    EXPECT_FALSE(plan.primary.has_value());
    EXPECT_EQ(plan.skipped.at(1), "there is no live primary");
}

TEST(VerifyProbe, EmitAndAwaitRunAsPostgres) {
    const Inventory inventory = test::verify_inventory();
    FakeExecutor primary("db1");
    primary.expect_run("pg_logical_emit_message", command_ok("1700000000.5\n0/5000100\n"))
        .as(RunAs::Postgres);
    const auto emission = emit_probe(primary, inventory.hosts[0]);
    ASSERT_TRUE(emission.ok()) << emission.error().message;
    EXPECT_EQ(emission->lsn, "0/5000100");

    FakeExecutor standby("db2");
    standby
        .expect_run("'0/5000100'::pg_lsn",
                    command_ok("1700000000.51|f\n1700000000.52|t|0/5000200\n"))
        .as(RunAs::Postgres)
        .mutation(Mutation::ReadOnly);
    const ProbeResult result = await_probe(standby, inventory.hosts[1], *emission, 10s);
    EXPECT_EQ(result.status, ProbeStatus::Replayed);
    EXPECT_NEAR(result.ms.value_or(-1), 20.0, 0.01);
}

TEST(VerifyProbe, EmitAndAwaitFailures) {
    const Inventory inventory = test::verify_inventory();
    FakeExecutor primary("db1");
    primary.expect_run("pg_logical_emit_message",
                       command_failed(3, "", "psql:<stdin>:5: ERROR:  permission denied\n"));
    const auto emission = emit_probe(primary, inventory.hosts[0]);
    ASSERT_FALSE(emission.ok());
    EXPECT_NE(emission.error().message.find("permission denied"), std::string::npos);

    FakeExecutor standby("db2");
    standby.expect_run("pg_lsn").fails(make_error(ErrorKind::Connect, "db2: connection lost"));
    const ProbeResult result =
        await_probe(standby, inventory.hosts[1], ProbeEmission{1.0, "0/1"}, 10s);
    EXPECT_EQ(result.status, ProbeStatus::Failed);
    EXPECT_EQ(result.detail, "db2: connection lost");
}

TEST(VerifyProbe, ErrorsNameTheHostAndVerify) {
    const Inventory inventory = test::verify_inventory();
    FakeExecutor primary("db1");
    primary.expect_run("pg_logical_emit_message",
                       command_failed(3, "", "psql:<stdin>:5: ERROR:  permission denied\n"));
    const auto failed = emit_probe(primary, inventory.hosts[0]);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().host, "db1");
    EXPECT_EQ(failed.error().step, "verify");
    EXPECT_EQ(describe(failed.error()),
              "db1: verify: emitting the probe record failed: psql:<stdin>:5: ERROR:  permission "
              "denied");

    FakeExecutor garbled("db1");
    garbled.expect_run("pg_logical_emit_message", command_ok("what\n"));
    const auto unparsed = emit_probe(garbled, inventory.hosts[0]);
    ASSERT_FALSE(unparsed.ok());
    EXPECT_EQ(unparsed.error().host, "db1");
    EXPECT_TRUE(describe(unparsed.error()).starts_with("db1: verify: unexpected psql output"))
        << describe(unparsed.error());

    // An executor's error keeps its host and step in the probe's detail.
    FakeExecutor standby("db2");
    standby.expect_run("pg_lsn").fails(
        make_host_error(ErrorKind::Connect, "db2", "wait for the probe record", "lost"));
    const ProbeResult result =
        await_probe(standby, inventory.hosts[1], ProbeEmission{1.0, "0/1"}, 10s);
    EXPECT_EQ(result.detail, "db2: wait for the probe record: lost");
}

}  // namespace
}  // namespace pgrepl
