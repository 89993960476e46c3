// Timeline history files and whether a standby can follow its upstream's timeline.
#include <gtest/gtest.h>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/timeline.hpp"

namespace pgrepl::test {
namespace {

std::uint64_t lsn(std::string_view text) {
    auto parsed = parse_lsn(text);
    EXPECT_TRUE(parsed) << text;
    return parsed.value_or(0);
}

TEST(TimelineHistory, ParsesOneSwitch) {
    auto history = parse_timeline_history("1\t0/4015FF0\tno recovery target specified\n");
    ASSERT_TRUE(history.ok()) << history.error().message;
    ASSERT_EQ(history->size(), 1u);
    EXPECT_EQ((*history)[0].timeline, 1u);
    EXPECT_EQ((*history)[0].switch_point, lsn("0/4015FF0"));
}

TEST(TimelineHistory, ParsesSeveralSwitchesCommentsAndBlankLines) {
    auto history = parse_timeline_history(
        "# written by hand\n"
        "1\t0/5000000\tno recovery target specified\r\n"
        "\n"
        "   \t\n"
        "  # indented comment\n"
        "2\t1A/FF000028\tbefore transaction 1234\n"
        "4   1B/28 at restore point \"a|b\"");
    ASSERT_TRUE(history.ok()) << history.error().message;
    ASSERT_EQ(history->size(), 3u);
    EXPECT_EQ((*history)[0].timeline, 1u);
    EXPECT_EQ((*history)[1].timeline, 2u);
    EXPECT_EQ((*history)[1].switch_point, lsn("1A/FF000028"));
    EXPECT_EQ((*history)[2].timeline, 4u);
    EXPECT_EQ((*history)[2].switch_point, lsn("1B/28"));
}

TEST(TimelineHistory, AnEmptyFileIsAnEmptyHistory) {
    auto history = parse_timeline_history("");
    ASSERT_TRUE(history.ok());
    EXPECT_TRUE(history->empty());
}

TEST(TimelineHistory, RejectsGarbage) {
    const char* bad[] = {
        "ERROR:  could not open file \"pg_wal/00000002.history\"\n",
        "1\n",                                 // no switch point
        "1\tnot-an-lsn\treason\n",             // bad switch point
        "0\t0/5000000\treason\n",              // timeline 0 does not exist
        "-1\t0/5000000\treason\n",             // nor negative ones
        "2\t0/5000000\tx\n1\t0/6000000\ty\n",  // not increasing
        "1\t0/5000000\tx\n1\t0/6000000\ty\n",  // repeated
        "99999999999\t0/5000000\tx\n",         // beyond 32 bits
    };
    for (const char* text : bad) {
        auto history = parse_timeline_history(text);
        EXPECT_FALSE(history.ok()) << text;
        if (!history.ok()) {
            EXPECT_NE(history.error().message.find("timeline history: line "), std::string::npos)
                << history.error().message;
        }
    }
    auto second = parse_timeline_history("1\t0/5000000\tok\nbroken line\n");
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("line 2"), std::string::npos) << second.error().message;
}

struct FitCase {
    const char* name;
    std::uint32_t standby_tli;
    const char* replay;
    std::uint32_t upstream_tli;
    std::vector<TimelineSwitch> history;
    TimelineFit expected;
    const char* why;  // substring of the message, "" for Follows
};

TEST(TimelineFit, DecisionTable) {
    const std::vector<TimelineSwitch> one{{1, lsn("0/5000000")}};
    const std::vector<TimelineSwitch> two{{1, lsn("0/5000000")}, {2, lsn("0/7000000")}};
    const std::vector<TimelineSwitch> skip{{1, lsn("0/5000000")}};  // timeline 3 forked off 1
    const FitCase cases[] = {
        {"same timeline", 2, "0/9000000", 2, one, TimelineFit::Follows, ""},
        {"both on timeline 1", 1, "0/9000000", 1, {}, TimelineFit::Follows, ""},
        {"before the switch point", 1, "0/4FFFFFF", 2, one, TimelineFit::Follows, ""},
        {"exactly at the switch point", 1, "0/5000000", 2, one, TimelineFit::Follows, ""},
        {"past the switch point", 1, "0/5000100", 2, one, TimelineFit::Diverged,
         "it replayed up to 0/5000100 on timeline 1, but db2's timeline 2 forked from timeline 1 "
         "at 0/5000000"},
        {"ancestor two switches back, before", 1, "0/4000000", 3, two, TimelineFit::Follows, ""},
        {"ancestor two switches back, past", 1, "0/6000000", 3, two, TimelineFit::Diverged,
         "db2's timeline 3 forked from timeline 1 at 0/5000000"},
        {"middle ancestor, before", 2, "0/6000000", 3, two, TimelineFit::Follows, ""},
        {"middle ancestor, past", 2, "0/7000001", 3, two, TimelineFit::Diverged,
         "on timeline 2, but db2's timeline 3 forked from timeline 2 at 0/7000000"},
        {"a sibling timeline", 2, "0/4000000", 3, skip, TimelineFit::Diverged,
         "it is on timeline 2, which is not in the history of db2's timeline 3"},
        {"newer than the upstream", 3, "0/4000000", 2, one, TimelineFit::Diverged,
         "it is on timeline 3, newer than db2's timeline 2"},
        {"newer than an upstream on timeline 1",
         2,
         "0/4000000",
         1,
         {},
         TimelineFit::Diverged,
         "newer than db2's timeline 1"},
        {"unknown standby timeline", 0, "0/9000000", 2, one, TimelineFit::Follows, ""},
        {"empty history beyond timeline 1", 1, "0/9000000", 2, {}, TimelineFit::Follows, ""},
    };
    for (const auto& c : cases) {
        const auto verdict = standby_timeline_fit({c.standby_tli, lsn(c.replay)},
                                                  {c.upstream_tli, c.history}, "db2");
        EXPECT_EQ(verdict.fit, c.expected) << c.name << ": " << verdict.why;
        if (c.expected == TimelineFit::Follows) {
            EXPECT_EQ(verdict.why, "") << c.name;
        } else {
            EXPECT_NE(verdict.why.find(c.why), std::string::npos) << c.name << ": " << verdict.why;
        }
    }
}

TEST(TimelineFit, TheMessageOfAStandbyThatReplayedPastTheFork) {
    const auto verdict =
        standby_timeline_fit({1, lsn("0/5000100")}, {2, {{1, lsn("0/5000000")}}}, "db2");
    EXPECT_EQ(verdict.why,
              "it replayed up to 0/5000100 on timeline 1, but db2's timeline 2 forked from "
              "timeline 1 at 0/5000000");
}

}  // namespace
}  // namespace pgrepl::test
