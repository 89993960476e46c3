// switchover's facts query and its parser, and the text of a switchover report.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pgrepl/switchover/facts.hpp"
#include "pgrepl/switchover/switchover.hpp"
#include "promote_test_util.hpp"

namespace pgrepl {
namespace {

TEST(SwitchoverFacts, ParsesARow) {
    auto facts = parse_switchover_facts(
        "10|10|2|max_connections,shared_buffers|on|t|4|000000010000000000000005\n");
    ASSERT_TRUE(facts.ok()) << facts.error().message;
    EXPECT_EQ(facts->max_wal_senders, 10);
    EXPECT_EQ(facts->max_replication_slots, 10);
    EXPECT_EQ(facts->replication_slots, 2);
    EXPECT_EQ(facts->pending_restart,
              (std::vector<std::string>{"max_connections", "shared_buffers"}));
    EXPECT_TRUE(facts->archiving);
    EXPECT_TRUE(facts->archive_failing);
    EXPECT_EQ(facts->archive_failed_count, 4);
    EXPECT_EQ(facts->archive_last_failed_wal, "000000010000000000000005");
    EXPECT_FALSE(facts->replay_lag_seconds);
}

TEST(SwitchoverFacts, NothingPendingAndNoArchive) {
    auto facts = parse_switchover_facts("5|5|0||off|f|0|\n");
    ASSERT_TRUE(facts.ok()) << facts.error().message;
    EXPECT_TRUE(facts->pending_restart.empty());
    EXPECT_FALSE(facts->archiving);
    EXPECT_FALSE(facts->archive_failing);
    EXPECT_TRUE(parse_switchover_facts("5|5|0||always|f|0|\n")->archiving);
}

TEST(SwitchoverFacts, MalformedRowsAreErrors) {
    EXPECT_FALSE(parse_switchover_facts("").ok());
    EXPECT_FALSE(parse_switchover_facts("10|10|2\n").ok());
    auto bad = parse_switchover_facts("ten|10|2||on|f|0|\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("max_wal_senders"), std::string::npos);
}

TEST(SwitchoverFacts, TheQueryReadsEveryFact) {
    const std::string sql = switchover_facts_sql();
    for (const char* part : {"max_wal_senders", "max_replication_slots", "pg_replication_slots",
                             "pending_restart", "archive_mode", "pg_stat_archiver"})
        EXPECT_NE(sql.find(part), std::string::npos) << part;
}

TEST(SwitchoverFacts, ReplayLagsComeFromThePrimarysSenderRowsByApplicationName) {
    const Inventory inventory = promote_test::three_hosts();
    std::vector<SwitchoverFacts> facts(3);
    std::vector<ReplicationRow> rows(3);
    rows[0].application_name = "db2";
    rows[0].replay_lag_seconds = 0.25;
    rows[1].application_name = "pg_basebackup";  // not a host: ignored
    rows[1].replay_lag_seconds = 9;
    rows[2].application_name = "db3";  // caught up: no lag reported
    apply_replay_lags(inventory, rows, facts);
    EXPECT_FALSE(facts[0].replay_lag_seconds);
    EXPECT_EQ(facts[1].replay_lag_seconds, 0.25);
    EXPECT_FALSE(facts[2].replay_lag_seconds);
}

TEST(SwitchoverFacts, AskedInTheStateRoundTripAndReadFromItsAnswers) {
    const Inventory inventory = promote_test::three_hosts();
    SnapshotRequest request;
    extend_with_switchover_queries(inventory.hosts[0], request);
    ASSERT_EQ(request.queries.size(), 3u);
    EXPECT_EQ(request.queries[0].second, switchover_facts_sql());
    EXPECT_EQ(request.queries[1].second, stat_replication_sql(inventory.hosts[0].postgres.version));
    EXPECT_EQ(request.queries[2].second, replication_hba_sql());
    std::vector<HandoverHostState> states = {promote_test::primary("db1"),
                                             promote_test::standby("db2", "0/5000000"),
                                             promote_test::down("db3")};
    states[0].queries[request.queries[0].first] = "10|10|2||off|f|0|\n";
    states[0].queries[request.queries[1].first] =
        "4242|db2|10.0.0.12|streaming|0/5000000|0/5000000|0/5000000|0/5000000|async|0|0.1|0.1|"
        "1.5\n";
    states[1].queries[request.queries[0].first] = "5|4|0|shared_buffers|off|f|0|\n";
    states[1].queries[request.queries[2].first] =
        "host pgrepl 10.0.0.11 255.255.255.255 scram-sha-256\n";
    states[2].queries[request.queries[0].first] = "9|9|9||off|f|0|\n";  // down: not read
    const auto facts = switchover_facts_of(inventory, states);
    ASSERT_EQ(facts.size(), 3u);
    EXPECT_EQ(facts[0].max_wal_senders, 10);
    EXPECT_EQ(facts[1].max_wal_senders, 5);
    EXPECT_EQ(facts[1].pending_restart, (std::vector<std::string>{"shared_buffers"}));
    EXPECT_EQ(facts[1].replay_lag_seconds, 1.5);
    EXPECT_EQ(facts[2].max_wal_senders, SwitchoverFacts{}.max_wal_senders);
    ASSERT_TRUE(facts[1].replication_hba);
    EXPECT_EQ(*facts[1].replication_hba,
              std::vector<std::string>{"host pgrepl 10.0.0.11 255.255.255.255 scram-sha-256"});
    EXPECT_FALSE(facts[0].replication_hba) << "not asked: unknown";
    // A malformed answer leaves the host's facts empty.
    states[1].queries[request.queries[0].first] = "psql: ERROR:  boom\n";
    EXPECT_EQ(switchover_facts_of(inventory, states)[1].max_wal_senders,
              SwitchoverFacts{}.max_wal_senders);
}

TEST(SwitchoverText, ThePlanStepByStep) {
    const Inventory inventory = promote_test::cascading();
    SwitchoverReport report;
    report.decision.verdict = SwitchoverVerdict::Switch;
    report.decision.primary = 0;
    report.decision.target = 1;
    report.decision.siblings = {2};
    report.decision.keep_upstream = {3};
    report.decision.reason = "switch over from db1 to db2 (0.0 MiB behind): ...";
    SwitchoverOptions options;
    options.target = "db2";
    options.mode = RunMode::Check;
    const auto lines = render_switchover_text(inventory, report, options);
    const std::vector<std::string> expected{
        "switchover db2 (check): 4 host(s) asked",
        "plan: switch over from db1 to db2 (0.0 MiB behind): ...",
        "  1. CHECKPOINT on db1, then a fast stop",
        "  2. wait (at most 30 s) until db2 replayed db1's shutdown checkpoint, else start db1 "
        "again as the primary",
        "  3. promote db2 and wait until it accepts writes",
        "  4. db1 becomes a standby of db2",
        "  5. db3 follow db2 (slots created there first)",
        "     db4 keep their upstream",
        "  6. verify, the new topology, the inventory's stale lines",
        "check: nothing was changed",
    };
    EXPECT_EQ(lines, expected);
}

TEST(SwitchoverText, ARefusalWithItsHint) {
    const Inventory inventory = promote_test::three_hosts();
    SwitchoverReport report;
    report.decision.verdict = SwitchoverVerdict::Refuse;
    report.decision.reason = "replay is paused on db2";
    report.decision.hint = "resume it on db2: SELECT pg_wal_replay_resume()";
    SwitchoverOptions options;
    options.target = "db2";
    const auto lines = render_switchover_text(inventory, report, options);
    const std::vector<std::string> expected{
        "switchover db2: 3 host(s) asked",
        "refused: replay is paused on db2",
        "hint: resume it on db2: SELECT pg_wal_replay_resume()",
        "nothing was changed",
    };
    EXPECT_EQ(lines, expected);
}

TEST(SwitchoverText, NothingToDoSaysDone) {
    const Inventory inventory = promote_test::three_hosts();
    SwitchoverReport report;
    report.decision.verdict = SwitchoverVerdict::Done;
    report.decision.reason = "db1 already is the primary and ...: nothing to do";
    SwitchoverOptions options;
    options.target = "db1";
    const std::vector<std::string> expected{
        "switchover db1: 3 host(s) asked",
        "done: db1 already is the primary and ...: nothing to do",
    };
    EXPECT_EQ(render_switchover_text(inventory, report, options), expected);
}

TEST(SwitchoverFacts, ReplicationRulesOfPgHba) {
    EXPECT_NE(replication_hba_sql().find("FROM pg_hba_file_rules"), std::string::npos);
    EXPECT_NE(replication_hba_sql().find("'replication' = ANY(database)"), std::string::npos);
    const auto rules = parse_replication_hba(
        "host pgrepl 10.0.0.12 255.255.255.255 scram-sha-256\nlocal all   peer\n");
    ASSERT_TRUE(rules);
    EXPECT_EQ(rules->size(), 2u);
    EXPECT_FALSE(parse_replication_hba("ERROR:  permission denied for view pg_hba_file_rules\n"));
    ASSERT_TRUE(parse_replication_hba(""));
    EXPECT_TRUE(parse_replication_hba("")->empty());
    // Before 10 there is no pg_hba_file_rules: not asked.
    const Inventory old = promote_test::inventory_from(R"(postgres: { version: 9.6 }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
)");
    SnapshotRequest request;
    extend_with_switchover_queries(old.hosts[0], request);
    EXPECT_EQ(request.queries.size(), 2u);
}

}  // namespace
}  // namespace pgrepl
