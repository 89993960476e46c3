// Lag figures and the thresholds that turn lag into a failure.
#include <gtest/gtest.h>

#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

struct LagCase {
    std::string name;
    std::string primary_lsn;  // "" : no live primary
    std::string replay_lsn;
    std::optional<double> replay_lag;   // the upstream's pg_stat_replication.replay_lag
    std::optional<double> replay_age;   // now - pg_last_xact_replay_timestamp()
    std::optional<std::int64_t> bytes;  // expected
    std::optional<double> seconds;      // expected
    LagSource source;                   // expected
    std::string note_part;              // expected in the note ("" : no note)
};

class VerifyLagTest : public ::testing::TestWithParam<LagCase> {};

TEST_P(VerifyLagTest, Figures) {
    const LagCase& c = GetParam();
    const Inventory inventory = test::verify_inventory();
    HostState primary = test::primary_state(inventory, "db1", {"db2"}, c.primary_lsn);
    HostState standby = test::standby_state(inventory, "db2", "db1", c.replay_lsn);
    standby.server->replay_age_seconds = c.replay_age;
    std::optional<ReplicationRow> sender = primary.replication[0];
    sender->replay_lag_seconds = c.replay_lag;
    const LagFigures lag =
        compute_lag(standby, c.primary_lsn.empty() ? nullptr : &primary, sender, {});
    EXPECT_EQ(lag.bytes, c.bytes);
    EXPECT_EQ(lag.seconds, c.seconds);
    EXPECT_EQ(lag.seconds_source, c.source);
    EXPECT_EQ(lag.replay_age_seconds, c.replay_age);
    if (c.note_part.empty()) {
        EXPECT_EQ(lag.note, "");
    } else {
        EXPECT_NE(lag.note.find(c.note_part), std::string::npos) << lag.note;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, VerifyLagTest,
    ::testing::Values(LagCase{"caught_up", "0/5000000", "0/5000000", std::nullopt, 2.0, 0, 0.0,
                              LagSource::CaughtUp, ""},
                      LagCase{"measured", "0/5001000", "0/5000000", 0.25, 2.0, 4096, 0.25,
                              LagSource::Replication, ""},
                      LagCase{"measured_even_when_caught_up", "0/5000000", "0/5000000", 0.004, 2.0,
                              0, 0.004, LagSource::Replication, ""},
                      // The primary wrote nothing for an hour: that age is not lag.
                      LagCase{"idle_primary", "0/5000000", "0/5000000", std::nullopt, 3600.0, 0,
                              0.0, LagSource::CaughtUp,
                              "committed nothing for 1h00m: that is idle time"},
                      LagCase{"behind_without_replay_lag", "0/6000000", "0/5000000", std::nullopt,
                              7.0, 16777216, std::nullopt, LagSource::None,
                              "the last replayed commit is 7.0 s old"},
                      LagCase{"standby_ahead_of_a_stale_primary_reading", "0/5000000", "0/5000100",
                              std::nullopt, 1.0, 0, 0.0, LagSource::CaughtUp, ""},
                      LagCase{"no_primary", "", "0/5000000", 0.5, 1.0, std::nullopt, 0.5,
                              LagSource::Replication, ""}),
    [](const auto& info) { return info.param.name; });

struct ThresholdCase {
    std::string name;
    std::optional<std::int64_t> bytes;
    std::optional<double> seconds;
    std::uint64_t max_bytes;
    double max_seconds;
    CheckStatus expected;
    std::string message_part;
};

class VerifyLagThresholdTest : public ::testing::TestWithParam<ThresholdCase> {};

TEST_P(VerifyLagThresholdTest, Check) {
    const ThresholdCase& c = GetParam();
    LagFigures lag;
    lag.bytes = c.bytes;
    lag.seconds = c.seconds;
    VerifyThresholds thresholds;
    thresholds.max_lag_bytes = c.max_bytes;
    thresholds.max_lag_seconds = c.max_seconds;
    const CheckResult check = lag_check(lag, thresholds);
    EXPECT_EQ(check.name, "lag");
    EXPECT_EQ(check.status, c.expected) << check.message;
    EXPECT_NE(check.message.find(c.message_part), std::string::npos) << check.message;
    EXPECT_EQ(check.hint.empty(), c.expected != CheckStatus::Failed);
}

constexpr std::uint64_t kMiB = 1024 * 1024;

INSTANTIATE_TEST_SUITE_P(
    Cases, VerifyLagThresholdTest,
    ::testing::Values(
        ThresholdCase{"zero", 0, 0.0, 16 * kMiB, 30, CheckStatus::Ok,
                      "0 B behind the primary, 0.0 s"},
        ThresholdCase{"at_the_byte_limit", 16 * kMiB, 1.0, 16 * kMiB, 30, CheckStatus::Ok,
                      "16.0 MiB"},
        ThresholdCase{"over_bytes", 16 * kMiB + 1, 1.0, 16 * kMiB, 30, CheckStatus::Failed,
                      "over --max-lag-bytes 16777216"},
        ThresholdCase{"at_the_time_limit", 10, 30.0, 16 * kMiB, 30, CheckStatus::Ok, "30.0 s"},
        ThresholdCase{"over_seconds", 10, 30.5, 16 * kMiB, 30, CheckStatus::Failed,
                      "over --max-lag-seconds 30"},
        ThresholdCase{"over_both", 100, 100.0, 10, 1, CheckStatus::Failed,
                      "over --max-lag-bytes 10 and --max-lag-seconds 1"},
        ThresholdCase{"unknown_seconds_are_not_judged", 10, std::nullopt, 16 * kMiB, 0,
                      CheckStatus::Ok, "unknown seconds"},
        ThresholdCase{"unknown_bytes", std::nullopt, 1.0, 16 * kMiB, 30, CheckStatus::Skipped,
                      "lag unknown"},
        ThresholdCase{"zero_thresholds", 1, 0.001, 0, 0, CheckStatus::Failed, "over"}),
    [](const auto& info) { return info.param.name; });

TEST(VerifyFormat, Bytes) {
    EXPECT_EQ(format_bytes(-1), "-");
    EXPECT_EQ(format_bytes(0), "0 B");
    EXPECT_EQ(format_bytes(1023), "1023 B");
    EXPECT_EQ(format_bytes(1536), "1.5 KiB");
    EXPECT_EQ(format_bytes(16 * 1024 * 1024), "16.0 MiB");
    EXPECT_EQ(format_bytes(5ll * 1024 * 1024 * 1024), "5.0 GiB");
    EXPECT_EQ(format_bytes(3ll << 50), "3.0 PiB");
}

TEST(VerifyFormat, Seconds) {
    EXPECT_EQ(format_seconds(0), "0.0 s");
    EXPECT_EQ(format_seconds(12.34), "12.3 s");
    EXPECT_EQ(format_seconds(59.96), "60.0 s");
    EXPECT_EQ(format_seconds(183), "3m03s");
    EXPECT_EQ(format_seconds(7500), "2h05m");
    EXPECT_EQ(format_seconds(400000), "4d15h");
    EXPECT_EQ(format_seconds(-1), "-");
}

}  // namespace
}  // namespace pgrepl
