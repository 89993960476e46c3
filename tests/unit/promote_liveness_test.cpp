// Is an unreachable old primary dead? judge_liveness on a table of evidence: what the standbys
// that stream from it say (status, silence, wal_receiver_timeout), before and during the wait.
#include <gtest/gtest.h>

#include "pgrepl/promote/liveness.hpp"
#include "promote_test_util.hpp"

namespace pgrepl::promote_test {
namespace {

using std::chrono::milliseconds;

struct Case {
    std::string name;
    Inventory inventory;
    std::vector<HandoverHostState> states;
    FirstLook first;  // not taken: the first look
    Liveness liveness = Liveness::Dead;
    std::optional<milliseconds> need;  // for Unsure
    std::vector<std::string> evidence_has;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

Case make(std::string name, std::vector<HandoverHostState> states, Liveness liveness,
          std::optional<milliseconds> need = std::nullopt,
          std::vector<std::string> evidence_has = {}, FirstLook first = {},
          Inventory inventory = three_hosts()) {
    return {std::move(name),
            std::move(inventory),
            std::move(states),
            std::move(first),
            liveness,
            need,
            std::move(evidence_has)};
}

/// A first look at `states` (as promote takes it before it waits).
FirstLook looked(const std::vector<HandoverHostState>& states) {
    return first_look(states);
}

std::vector<Case> cases() {
    std::vector<Case> c;
    c.push_back(make("NoStandbyStreamsFromIt",
                     {down("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000000")},
                     Liveness::Dead));
    c.push_back(make("SilentLongerThanTheBoundIsDead",
                     {down("db1"), hearing("db2", 7'500), hearing("db3", 9'000)}, Liveness::Dead,
                     std::nullopt, {"db2 has not heard from it for 7.5 s (more than 7.0 s)"}));
    c.push_back(make("HeardRecentlyIsUnsure",
                     {down("db1"), hearing("db2", 1'200), hearing("db3", 3'000)}, Liveness::Unsure,
                     milliseconds(5'800),
                     {"db2 heard from it 1.2 s ago", "db3 heard from it 3.0 s ago"}));
    c.push_back(make("OneSilentOneRecentIsUnsure",
                     {down("db1"), hearing("db2", 8'000), hearing("db3", 6'500)}, Liveness::Unsure,
                     milliseconds(500),
                     {"db2 has not heard from it for 8.0 s", "db3 heard from it 6.5 s ago"}));
    c.push_back(make(
        "TheDefaultTimeoutNeedsHalfAMinute",
        {down("db1"), hearing("db2", 2'000, 1'000'000'000, 60'000), standby("db3", "0/5000000")},
        Liveness::Unsure, milliseconds(30'000)));
    c.push_back(
        make("TimeoutZeroProvesNothing",
             {down("db1"), hearing("db2", 50'000, 1'000'000'000, 0), standby("db3", "0/5000000")},
             Liveness::Unsure, std::nullopt, {"its wal_receiver_timeout is 0"}));
    {
        auto unknown = standby("db2", "0/5000000", "10.0.0.11", "streaming");
        c.push_back(make("UnknownTimingIsUnsure",
                         {down("db1"), unknown, standby("db3", "0/5000000")}, Liveness::Unsure,
                         std::nullopt, {"is unknown"}));
    }
    {
        std::vector<HandoverHostState> before{down("db1"), hearing("db2", 1'000, 5'000'000),
                                             hearing("db3", 1'000, 5'000'000)};
        c.push_back(make("HeardWhilePromoteWaitedIsAlive",
                         {down("db1"), hearing("db2", 300, 9'700'000), hearing("db3", 5'000)},
                         Liveness::Alive, std::nullopt,
                         {"db2 heard from it again while promote waited (0.3 s ago)"},
                         looked(before)));
        c.push_back(make(
            "SameMessageLaterIsSilence",
            {down("db1"), hearing("db2", 7'100, 5'000'000), hearing("db3", 7'100, 5'000'000)},
            Liveness::Dead, std::nullopt, {"db2 has not heard from it for 7.1 s"}, looked(before)));
        c.push_back(
            make("SameMessageNotLongEnoughYet",
                 {down("db1"), hearing("db2", 4'000, 5'000'000), hearing("db3", 4'000, 5'000'000)},
                 Liveness::Unsure, milliseconds(3'000), {}, looked(before)));
        auto not_streaming = before;
        not_streaming[2].server->receiver->status = "";
        c.push_back(make("ConnectedWhilePromoteWaitedIsAlive",
                         {down("db1"), hearing("db2", 7'500, 5'000'000), hearing("db3", 200)},
                         Liveness::Alive, std::nullopt,
                         {"db3 connected to it while promote waited"}, looked(not_streaming)));
    }
    {
        auto stopped_receiver = hearing("db2", 100);
        stopped_receiver.server->receiver->status = "";  // its receiver gave up: no claim
        auto elsewhere = hearing("db4", 100);
        elsewhere.server->configured_upstream.host = "10.0.0.12";  // a cascading replica of db2
        c.push_back(make("OnlyStandbysStreamingFromItCount",
                         {down("db1"), stopped_receiver, hearing("db3", 7'200), elsewhere},
                         Liveness::Dead, std::nullopt, {"db3 has not heard"}, {}, cascading()));
    }
    return c;
}

class PromoteLiveness : public ::testing::TestWithParam<Case> {};

TEST_P(PromoteLiveness, Judges) {
    const Case& c = GetParam();
    const auto judged = judge_liveness(c.inventory, c.states, c.first, 0);
    std::string text;
    for (const auto& e : judged.evidence) text += e + "; ";
    EXPECT_EQ(judged.liveness, c.liveness) << text;
    if (c.liveness == Liveness::Unsure) {
        EXPECT_EQ(judged.need, c.need) << text;
    }
    for (const auto& part : c.evidence_has)
        EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

INSTANTIATE_TEST_SUITE_P(Table, PromoteLiveness, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                             return info.param.name;
                         });

TEST(PromoteLivenessBound, HalfTheReceiverTimeoutPlusAMargin) {
    EXPECT_EQ(live_silence_bound(10'000), std::optional<milliseconds>(7'000));
    EXPECT_EQ(live_silence_bound(60'000), std::optional<milliseconds>(32'000));
    EXPECT_EQ(live_silence_bound(0), std::nullopt);
}

TEST(PromoteLivenessBound, OldPrimariesInWords) {
    const auto states =
        std::vector<HandoverHostState>{down("db1"), hearing("db2", 1'000), hearing("db3", 2'000)};
    const auto judged = judge_old_primaries(three_hosts(), states, {}, {0});
    ASSERT_TRUE(judged.unsure.has_value());
    EXPECT_EQ(*judged.unsure,
              "db1: db2 heard from it 1.0 s ago, db3 heard from it 2.0 s ago; a live primary is "
              "heard from within 7.0 s");
    EXPECT_EQ(judged.need, std::optional<milliseconds>(6'000));
    EXPECT_EQ(judged.unsure_hosts, std::vector<std::size_t>{0});
    EXPECT_FALSE(judged.alive.has_value());
    EXPECT_TRUE(judged.dead.empty());
}

}  // namespace
}  // namespace pgrepl::promote_test
