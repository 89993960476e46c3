// The snapshot's replication login: IDENTIFY_SYSTEM, then TIMELINE_HISTORY beyond timeline 1.
#include <gtest/gtest.h>

#include "pgrepl/engine/snapshot.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kFacts = "user=root\nrunning=yes\n@@end-facts\n";

TEST(SnapshotLogin, TimelineHistoryIsAskedOnlyInTheLoginPart) {
    Host host;
    host.name = "db3";
    SnapshotRequest request;
    request.queries.emplace_back("fresh", "SELECT 1;");
    const auto without = snapshot_script(host, request);
    EXPECT_EQ(without.find("IDENTIFY_SYSTEM"), std::string::npos);
    EXPECT_EQ(without.find("TIMELINE_HISTORY"), std::string::npos);

    request.replication_login_conninfo = "host=10.0.0.12 user=replicator replication=true";
    const auto script = snapshot_script(host, request);
    const auto queries_end = script.find("@@end-queries");
    const auto identify = script.find("-c IDENTIFY_SYSTEM");
    const auto history = script.find("-c \"TIMELINE_HISTORY $tli\"");
    ASSERT_NE(queries_end, std::string::npos) << script;
    ASSERT_NE(identify, std::string::npos) << script;
    ASSERT_NE(history, std::string::npos) << script;
    EXPECT_LT(queries_end, identify);
    EXPECT_LT(identify, history);
    // Over the same replication connection string, only for a numeric timeline above 1.
    EXPECT_NE(script.find("'host=10.0.0.12 user=replicator replication=true' -X -At -F '|' -c "
                          "\"TIMELINE_HISTORY"),
              std::string::npos)
        << script;
    EXPECT_NE(script.find("''|*[!0-9]*|0|1) ;;"), std::string::npos) << script;
    EXPECT_NE(script.find("sed 's/^/@@history /'"), std::string::npos) << script;
}

TEST(SnapshotLogin, ParsesTheXlogposAndAMultiLineHistory) {
    const std::string out = std::string(kFacts) +
                            "@@query fresh\n0|0|0\n@@end-queries\n"
                            "@@login ok|7000|3|0/7000148|\n"
                            "@@history 00000003.history|1\t0/5000000\tno recovery target "
                            "specified\n"
                            "@@history \n"
                            "@@history 2\t0/7000000\tat restore point \"x|@@login error y\"\n";
    auto parsed = parse_snapshot(out);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_TRUE(parsed->replication_login);
    const auto& login = *parsed->replication_login;
    EXPECT_TRUE(login.ok);
    EXPECT_EQ(login.system_identifier, "7000");
    EXPECT_EQ(login.timeline, "3");
    EXPECT_EQ(login.xlogpos, "0/7000148");
    ASSERT_TRUE(login.timeline_history);
    EXPECT_EQ(*login.timeline_history,
              "1\t0/5000000\tno recovery target specified\n\n"
              "2\t0/7000000\tat restore point \"x|@@login error y\"\n");
    EXPECT_EQ(login.history_error, "");
    EXPECT_EQ(parsed->query("fresh"), "0|0|0\n");
}

TEST(SnapshotLogin, OnTimelineOneThereIsNoHistory) {
    auto parsed = parse_snapshot(std::string(kFacts) + "@@login ok|7000|1|0/3000060|\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_TRUE(parsed->replication_login);
    EXPECT_EQ(parsed->replication_login->timeline, "1");
    EXPECT_EQ(parsed->replication_login->xlogpos, "0/3000060");
    EXPECT_FALSE(parsed->replication_login->timeline_history);
}

TEST(SnapshotLogin, KeepsTheHistoryError) {
    auto parsed = parse_snapshot(std::string(kFacts) +
                                 "@@login ok|7000|2|0/3000060|\n"
                                 "@@history-error ERROR:  could not open file\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const auto& login = *parsed->replication_login;
    EXPECT_FALSE(login.timeline_history);
    EXPECT_EQ(login.history_error, "ERROR:  could not open file");
}

TEST(SnapshotLogin, AHistoryWithoutALoginIsMalformed) {
    EXPECT_FALSE(parse_snapshot(std::string(kFacts) + "@@history 1\t0/5000000\tx\n").ok());
    EXPECT_FALSE(
        parse_snapshot(std::string(kFacts) + "@@login error FATAL: no\n@@history 1\t0/5\tx\n")
            .ok());
}

TEST(SnapshotLogin, AnOldStyleLoginLineStillParses) {
    auto parsed = parse_snapshot(std::string(kFacts) + "@@login ok|7000\n");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->replication_login->system_identifier, "7000");
    EXPECT_EQ(parsed->replication_login->timeline, "");
    EXPECT_EQ(parsed->replication_login->xlogpos, "");
}

// Two steps asking for the same file or login test cost the host one read and one login.
TEST(SnapshotLogin, AFileOrALoginTestAskedTwiceRunsOnce) {
    Host host;
    host.name = "db3";
    SnapshotRequest request;
    request.files = {"/etc/a", "/etc/b", "/etc/a"};
    request.login_tests = {{"rewind", "host=10.0.0.12 user=r"},
                           {"rewind", "host=10.0.0.12 user=r"}};
    const auto script = snapshot_script(host, request);
    const auto count = [&](std::string_view needle) {
        std::size_t n = 0;
        for (auto at = script.find(needle); at != std::string::npos;
             at = script.find(needle, at + 1))
            ++n;
        return n;
    };
    EXPECT_EQ(count("'/etc/a'"), 1U) << script;
    EXPECT_EQ(count("\npgrepl_files '/etc/a' '/etc/b'\n"), 1U) << script;
    EXPECT_EQ(count("@@login-test rewind ok"), 1U) << script;
    CommandResult result;
    result.out = std::string(kFacts) + "@@file 2\nA\n\n@@nofile\n@@login-test rewind ok\n@@end\n";
    auto snapshot = read_snapshot(request, result);
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    EXPECT_EQ(snapshot->file("/etc/a"), std::optional<std::string>("A\n"));
    EXPECT_EQ(snapshot->file("/etc/b"), std::nullopt);
    ASSERT_NE(snapshot->login_test("rewind"), nullptr);
    EXPECT_TRUE(snapshot->login_test("rewind")->ok);
}

}  // namespace
}  // namespace pgrepl::test
