// verify and WAL archiving: pg_stat_archiver read, judged on the primary, shown in the JSON.
#include <gtest/gtest.h>

#include "pgrepl/util/json.hpp"
#include "pgrepl/verify/archive.hpp"
#include "pgrepl/verify/gather.hpp"
#include "pgrepl/verify/render.hpp"
#include "support/fake_executor.hpp"
#include "verify_fixtures.hpp"

namespace pgrepl::test {
namespace {

Inventory archiving_inventory() {
    auto inventory = verify_inventory();
    inventory.replication.archive.method = ArchiveMethod::Ssh;
    inventory.replication.archive.host = "db3";
    return inventory;
}

ArchiverStats stats(bool failing) {
    ArchiverStats s;
    s.archived_count = 12;
    s.last_archived_wal = "00000001000000000000000C";
    s.last_archived_age = 4.2;
    s.failed_count = failing ? 3 : 0;
    if (failing) {
        s.last_failed_wal = "00000001000000000000000D";
        s.last_failed_age = 1.0;
    }
    s.failing = failing;
    return s;
}

TEST(VerifyArchiver, ParsesPgStatArchiver) {
    auto parsed =
        parse_stat_archiver("12|00000001000000000000000C|4.25|3|00000001000000000000000D|1.5|t\n");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->archived_count, 12);
    EXPECT_EQ(parsed->last_archived_wal, "00000001000000000000000C");
    EXPECT_DOUBLE_EQ(*parsed->last_archived_age, 4.25);
    EXPECT_EQ(parsed->failed_count, 3);
    EXPECT_TRUE(parsed->failing);
    auto fresh = parse_stat_archiver("0||||0|||f\n");
    EXPECT_FALSE(fresh);  // 8 fields: malformed
    auto none = parse_stat_archiver("0||||||f\n");
    EXPECT_FALSE(none);  // failed_count empty
    auto idle = parse_stat_archiver("0||0|0|||f\n");
    ASSERT_TRUE(idle) << idle.error().message;
    EXPECT_EQ(idle->last_archived_wal, "");
    EXPECT_FALSE(idle->failing);
}

TEST(VerifyArchiver, GatheredOnlyWhenArchiving) {
    const auto off = verify_inventory();
    EXPECT_EQ(
        snapshot_script(off.hosts[0], verify_request(off, off.hosts[0])).find("pg_stat_archiver"),
        std::string::npos);
    const auto on = archiving_inventory();
    const auto request = verify_request(on, on.hosts[0]);
    const auto script = snapshot_script(on.hosts[0], request);
    EXPECT_NE(script.find("\\echo @@query archiver"), std::string::npos);
    CommandResult result;
    result.out =
        "@@end-facts\n@@ps\n@@log\n@@noline\n@@server\n" +
        test::server_row("f|1|0/1||||f|1.0|150004") +
        "@@query replication\n"
        "@@query receiver\n@@query slots\n@@query file_settings\n@@query settings\n@@query "
        "archiver\n"
        "5|000000010000000000000005|2.0|0||0|f\n@@end-queries\n@@psql-exit 0\n@@end\n";
    const auto state = host_state_from_snapshot(on.hosts[0], read_snapshot(request, result));
    EXPECT_FALSE(state.gather_error);
    ASSERT_TRUE(state.archiver);
    EXPECT_EQ(state.archiver->archived_count, 5);
    EXPECT_TRUE(state.query_errors.empty()) << state.query_errors.front();
}

TEST(VerifyArchiver, AFailingArchiverFailsThePrimary) {
    const auto inventory = archiving_inventory();
    auto states = healthy_states(inventory);
    states[0].archiver = stats(true);
    const auto report = assess_states(inventory, std::move(states));
    EXPECT_FALSE(report.healthy());
    const auto* check = report.hosts[0].check("archive");
    ASSERT_NE(check, nullptr);
    EXPECT_EQ(check->status, CheckStatus::Failed);
    EXPECT_NE(check->message.find("archiving to db3:/var/lib/postgresql/wal-archive fails: 3 "
                                  "failed attempt(s), the last for 00000001000000000000000D"),
              std::string::npos)
        << check->message;
    EXPECT_NE(check->hint.find("pgrepl setup repairs"), std::string::npos);
    Json json = Json::parse(verify_json(report));
    auto& archiver = json["hosts"][0]["archiver"];
    EXPECT_EQ(archiver["failed_count"], 3.0);
    EXPECT_EQ(archiver["failing"], true);
}

TEST(VerifyArchiver, RecoveredFailuresAreOk) {
    const auto inventory = archiving_inventory();
    auto states = healthy_states(inventory);
    auto recovered = stats(true);
    recovered.failing = false;
    states[0].archiver = recovered;
    const auto report = assess_states(inventory, std::move(states));
    EXPECT_TRUE(report.healthy());
    const auto* check = report.hosts[0].check("archive");
    ASSERT_NE(check, nullptr);
    EXPECT_EQ(check->status, CheckStatus::Ok);
    EXPECT_NE(check->message.find("12 segment(s) archived"), std::string::npos) << check->message;
    EXPECT_NE(check->message.find("3 earlier failure(s)"), std::string::npos) << check->message;
    // No archive check on standbys, none without archiving.
    EXPECT_EQ(report.hosts[1].check("archive"), nullptr);
    const auto plain = verify_inventory();
    EXPECT_EQ(assess_states(plain, healthy_states(plain)).hosts[0].check("archive"), nullptr);
}

TEST(VerifyArchiveTest, SwitchesWaitsAndLooksIntoTheArchive) {
    const auto inventory = archiving_inventory();
    FakeExecutor primary("db1");
    primary.expect_run("pg_switch_wal()")
        .as(RunAs::Postgres)
        .mutation(Mutation::Mutating)
        .returns(command_ok("000000010000000000000007|16777216|412|archived|"
                            "000000010000000000000007|0|\n"));
    FakeExecutor archive("db3");
    archive.expect_run("stat -c %s '/var/lib/postgresql/wal-archive/000000010000000000000007'",
                       command_ok("16777216\n"));
    const auto result = run_archive_test(primary, inventory.hosts[0], inventory, &archive,
                                         std::chrono::milliseconds(30000));
    EXPECT_TRUE(result.ok) << result.error;
    EXPECT_EQ(result.segment, "000000010000000000000007");
    EXPECT_DOUBLE_EQ(*result.seconds, 0.412);
    EXPECT_EQ(archive_test_line(result),
              "archive: 000000010000000000000007 reached db3:/var/lib/postgresql/wal-archive in "
              "0.4 s (16.0 MiB)");
}

TEST(VerifyArchiveTest, MissingOrShortInTheArchiveFails) {
    const auto inventory = archiving_inventory();
    FakeExecutor primary("db1");
    primary.expect_run("pg_switch_wal()",
                       command_ok("000000010000000000000007|16777216|412|archived|x|0|\n"),
                       Times::Any);
    FakeExecutor archive("db3");
    archive.expect_run("stat -c %s", command_ok("missing\n"));
    auto missing = run_archive_test(primary, inventory.hosts[0], inventory, &archive,
                                    std::chrono::milliseconds(30000));
    EXPECT_FALSE(missing.ok);
    EXPECT_NE(missing.error.find("it is not in db3:/var/lib/postgresql/wal-archive"),
              std::string::npos)
        << missing.error;
    archive.expect_run("stat -c %s", command_ok("8192\n"));
    auto short_file = run_archive_test(primary, inventory.hosts[0], inventory, &archive,
                                       std::chrono::milliseconds(30000));
    EXPECT_NE(short_file.error.find("has 8192 bytes, not 16777216"), std::string::npos)
        << short_file.error;
    EXPECT_EQ(archive_test_check(short_file).status, CheckStatus::Failed);
}

TEST(VerifyArchiveTest, TimeoutAndFailureAreNamed) {
    const auto inventory = archiving_inventory();
    FakeExecutor primary("db1");
    primary.expect_run("pg_switch_wal()",
                       command_ok("000000010000000000000007|16777216|30000|timeout|"
                                  "000000010000000000000006|0|\n"));
    auto late = run_archive_test(primary, inventory.hosts[0], inventory, nullptr,
                                 std::chrono::milliseconds(30000));
    EXPECT_EQ(late.error, "000000010000000000000007 was not archived within 30.0 s");
    primary.expect_run("pg_switch_wal()",
                       command_ok("000000010000000000000007|16777216|1200|failed|"
                                  "000000010000000000000006|4|000000010000000000000007\n"));
    auto failed = run_archive_test(primary, inventory.hosts[0], inventory, nullptr,
                                   std::chrono::milliseconds(30000));
    EXPECT_EQ(failed.error,
              "archive_command failed for 000000010000000000000007 (see the "
              "archive check)");
}

}  // namespace
}  // namespace pgrepl::test
