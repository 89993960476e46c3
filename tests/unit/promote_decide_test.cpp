// The promote decision on a table of cases: candidate choice, refusals, --force.
#include <gtest/gtest.h>

#include <algorithm>

#include "pgrepl/promote/decide.hpp"
#include "promote_test_util.hpp"

namespace pgrepl::promote_test {
namespace {

using Indices = std::vector<std::size_t>;

struct Case {
    std::string name;
    Inventory inventory;
    std::vector<HandoverHostState> states;
    std::string target;
    Force force = Force::No;
    PromoteVerdict verdict = PromoteVerdict::Promote;
    std::vector<std::string> reason_has;  // substrings of reason + " | " + hint
    // For Promote and Resume: the expected plan.
    Indices stop_and_fence, fence_stopped, old_primaries, followers, ahead, assumed_dead;
    PromoteWait wait;  // what promote saw first and how long it may still wait
};

/// The case, decided while promote may wait `left` more (after a first look at `first`).
Case waiting(Case c, std::chrono::milliseconds left, std::vector<HandoverHostState> first = {}) {
    c.wait.left = left;
    if (!first.empty()) c.wait.first = first_look(first);
    return c;
}

/// Fills a case's plan: hosts to stop and fence, to fence, old primaries, followers, ahead
/// standbys and hosts assumed dead.
Case plan(Case c, Indices stop, Indices fence, Indices old, Indices followers, Indices ahead,
          Indices dead) {
    c.stop_and_fence = std::move(stop);
    c.fence_stopped = std::move(fence);
    c.old_primaries = std::move(old);
    c.followers = std::move(followers);
    c.ahead = std::move(ahead);
    c.assumed_dead = std::move(dead);
    return c;
}

/// A case without a plan (refusals and errors).
Case make(std::string name, Inventory inventory, std::vector<HandoverHostState> states,
          std::string target, Force force, PromoteVerdict verdict,
          std::vector<std::string> reason_has) {
    Case c;
    c.name = std::move(name);
    c.inventory = std::move(inventory);
    c.states = std::move(states);
    c.target = std::move(target);
    c.force = force;
    c.verdict = verdict;
    c.reason_has = std::move(reason_has);
    return c;
}

/// gtest prints a case by its name.
void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

std::string describe(const PromoteDecision& d) {
    return std::string(to_string(d.verdict)) + ": " + d.reason + " | " + d.hint;
}

Indices ahead_hosts(const PromoteDecision& d) {
    Indices hosts;
    for (const auto& a : d.ahead) hosts.push_back(a.host);
    return hosts;
}

std::vector<Case> cases() {
    std::vector<Case> c;
    auto add = [&](Case item) { c.push_back(std::move(item)); };
    const auto three = three_hosts();

    add(make("UnknownTargetIsUsage", three,
             {primary("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000000")}, "db9",
             Force::No, PromoteVerdict::Usage, {"no host named 'db9'", "db2, db3"}));
    add(make("UnreachableTargetFails", three,
             {down("db1"), down("db2"), standby("db3", "0/5000000")}, "db2", Force::Yes,
             PromoteVerdict::Fail, {"cannot reach db2"}));
    add(make("StoppedTargetIsRefused", three,
             {down("db1"), stopped("db2", true), standby("db3", "0/5000000")}, "db2", Force::Yes,
             PromoteVerdict::Refuse, {"not running on db2", "pg_ctlcluster 15 main start"}));
    add(make("InventoryPrimaryIsNotAStandby", three,
             {primary("db1"), standby("db2", "0/5000000", "10.0.0.11", "streaming"),
              standby("db3", "0/5000000", "10.0.0.11", "streaming")},
             "db1", Force::Yes, PromoteVerdict::Refuse, {"db1 is already the primary"}));
    add(make("LivePrimaryIsRefused", three,
             {primary("db1"), standby("db2", "0/5000000", "10.0.0.11", "streaming"),
              standby("db3", "0/5000000", "10.0.0.11", "streaming")},
             "db2", Force::No, PromoteVerdict::Refuse,
             {"db1 is running as the primary", "two primaries", "--force"}));
    add(plan(make("LivePrimaryIsFencedWithForce", three,
                  {primary("db1"), standby("db2", "0/5000000", "10.0.0.11", "streaming"),
                   standby("db3", "0/5000000", "10.0.0.11", "streaming")},
                  "db2", Force::Yes, PromoteVerdict::Promote, {"promote db2", "most advanced"}),
             {0}, {}, {0}, {2}, {}, {}));
    add(plan(make("DeadPrimaryMostAdvancedTarget", three,
                  {down("db1"), standby("db2", "0/5000100"), standby("db3", "0/5000000")}, "db2",
                  Force::No, PromoteVerdict::Promote, {"promote db2"}),
             {}, {}, {0}, {2}, {}, {0}));
    add(plan(make("EqualPositionsAreFine", three,
                  {down("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000000")}, "db3",
                  Force::No, PromoteVerdict::Promote, {"promote db3"}),
             {}, {}, {0}, {1}, {}, {0}));
    add(make("BehindAnotherStandbyIsRefused", three,
             {down("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000100")}, "db2",
             Force::No, PromoteVerdict::Refuse,
             {"not the most advanced", "db3 has 256 byte(s) more", "promote db3 instead"}));
    add(plan(make("BehindWithForceLeavesTheAheadStandby", three,
                  {down("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000100")}, "db2",
                  Force::Yes, PromoteVerdict::Promote, {"promote db2"}),
             {}, {}, {0}, {}, {2}, {0}));
    {
        auto paused = standby("db2", "0/5000100");
        paused.server->replay_lsn = parse_lsn("0/4000000");
        paused.server->replay_paused = true;
        add(plan(make("ReplayPausedButAllReceivedIsNotBehind", three,
                      {down("db1"), paused, standby("db3", "0/5000100")}, "db2", Force::No,
                      PromoteVerdict::Promote, {"promote db2"}),
                 {}, {}, {0}, {2}, {}, {0}));
    }
    add(make(
        "UnreachablePrimaryStillStreamingIsRefused", three,
        {down("db1"), standby("db2", "0/5000000"),
         standby("db3", "0/5000000", "10.0.0.11", "streaming")},
        "db2", Force::No, PromoteVerdict::Refuse,
        {"still stream from it", "db3 streams from it", "wal_receiver_timeout is 0", "--force"}));
    // A power loss: db1 vanished without closing its connections, its standbys still stream.
    {
        using std::chrono::milliseconds;
        const std::vector<HandoverHostState> lost{down("db1"), hearing("db2", 1'000),
                                                 hearing("db3", 1'500)};
        add(waiting(
            make("PowerLossWaitsForTheSilenceToProveIt", three, lost, "db2", Force::No,
                 PromoteVerdict::Wait, {"db2 heard from it 1.0 s ago", "heard from within 7.0 s"}),
            milliseconds(30'000)));
        add(waiting(make("PowerLossNeedingMoreThanTheWaitIsRefusedAtOnce", three, lost, "db2",
                         Force::No, PromoteVerdict::Refuse,
                         {"still stream from it", "within 6 s", "--wait 7", "--force"}),
                    milliseconds(2'000)));
        add(plan(waiting(make("PowerLossWithForceDoesNotWait", three, lost, "db2", Force::Yes,
                              PromoteVerdict::Promote, {"promote db2"}),
                         milliseconds(30'000)),
                 {}, {}, {0}, {2}, {}, {0}));
        add(plan(waiting(make("PowerLossSilentLongEnoughPromotes", three,
                              {down("db1"), hearing("db2", 7'200), hearing("db3", 7'300)}, "db2",
                              Force::No, PromoteVerdict::Promote, {"promote db2"}),
                         milliseconds(25'000), lost),
                 {}, {}, {0}, {2}, {}, {0}));
        add(waiting(make("HeardWhilePromoteWaitedIsAliveAndRefused", three,
                         {down("db1"), hearing("db2", 200, 1'004'000'000), hearing("db3", 4'000)},
                         "db2", Force::No, PromoteVerdict::Refuse,
                         {"db1 is unreachable from here but alive",
                          "db2 heard from it again while promote waited (0.2 s ago)",
                          "two primaries", "cut off from this node"}),
                    milliseconds(26'000), lost));
        add(plan(
            waiting(make("HeardWhilePromoteWaitedWithForce", three,
                         {down("db1"), hearing("db2", 200, 1'004'000'000), hearing("db3", 4'000)},
                         "db2", Force::Yes, PromoteVerdict::Promote, {"promote db2"}),
                    milliseconds(26'000), lost),
            {}, {}, {0}, {2}, {}, {0}));
        add(waiting(make("PowerLossButTargetBehindIsRefusedWithoutWaiting", three,
                         {down("db1"), hearing("db2", 1'000),
                          hearing("db3", 1'500, 1'000'000'000, 10'000, "0/5000100")},
                         "db2", Force::No, PromoteVerdict::Refuse,
                         {"not the most advanced", "promote db3 instead"}),
                    milliseconds(30'000)));
        auto answering = down("db1");
        answering.answered = true;
        answering.unreachable_reason =
            "10.0.0.11:22: no answer to a TCP connect within 1.0 s; but its PostgreSQL port "
            "10.0.0.11:5432 accepts connections";
        add(waiting(make("PostgresPortAnsweringIsRefused", three,
                         {answering, hearing("db2", 8'000), hearing("db3", 8'000)}, "db2",
                         Force::No, PromoteVerdict::Refuse,
                         {"up but could not be inspected", "10.0.0.11:5432 accepts connections"}),
                    milliseconds(30'000)));
    }
    add(plan(make("UnreachablePrimaryStillStreamingWithForce", three,
                  {down("db1"), standby("db2", "0/5000000"),
                   standby("db3", "0/5000000", "10.0.0.11", "streaming")},
                  "db2", Force::Yes, PromoteVerdict::Promote, {"promote db2"}),
             {}, {}, {0}, {2}, {}, {0}));
    add(plan(make("StoppedOldPrimaryIsFenced", three,
                  {stopped("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000000")}, "db2",
                  Force::No, PromoteVerdict::Promote, {"promote db2"}),
             {}, {0}, {0}, {2}, {}, {}));
    {
        auto fenced = stopped("db1", true);
        fenced.fence_note = "at 2026-01-01T00:00:00Z, db3 was promoted in its place";
        add(plan(make("FencedOldPrimaryIsNotFencedAgain", three,
                      {fenced, standby("db2", "0/5000000"), standby("db3", "0/5000000")}, "db2",
                      Force::No, PromoteVerdict::Promote, {"promote db2"}),
                 {}, {}, {0}, {2}, {}, {}));
    }
    add(plan(make("AlreadyPromotedResumes", three,
                  {down("db1"), primary("db2"), standby("db3", "0/5000000", "10.0.0.11")}, "db2",
                  Force::No, PromoteVerdict::Resume, {"already runs as the primary"}),
             {}, {}, {0}, {2}, {}, {0}));
    add(make("TwoPrimariesAreRefused", three,
             {primary("db1"), primary("db2"), standby("db3", "0/5000000")}, "db2", Force::Yes,
             PromoteVerdict::Refuse, {"split brain"}));
    {
        auto other = standby("db3", "0/9000000");
        other.server->system_identifier = "7999999999999999999";
        add(plan(make("AnotherSystemIsLeftAlone", three,
                      {down("db1"), standby("db2", "0/5000000"), other}, "db2", Force::No,
                      PromoteVerdict::Promote, {"promote db2"}),
                 {}, {}, {0}, {}, {}, {0}));
    }
    add(plan(make("StoppedStandbyIsNotRePointed", three,
                  {down("db1"), standby("db2", "0/5000000"), stopped("db3", true)}, "db2",
                  Force::No, PromoteVerdict::Promote, {"promote db2"}),
             {}, {}, {0}, {}, {}, {0}));
    add(plan(make("CascadingReplicaFollowsThePromotedHost", cascading(),
                  {down("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000000"),
                   standby("db4", "0/5000000", "10.0.0.12", "streaming")},
                  "db2", Force::No, PromoteVerdict::Promote, {"promote db2"}),
             {}, {}, {0}, {2, 3}, {}, {0}));
    add(plan(make("PromotingACascadingReplica", cascading(),
                  {down("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000000"),
                   standby("db4", "0/5000000", "10.0.0.12")},
                  "db4", Force::No, PromoteVerdict::Promote, {"promote db4"}),
             {}, {}, {0}, {1, 2}, {}, {0}));
    {
        auto silent = primary("db1");
        silent.server.reset();  // its query failed: no answer, pg_controldata's identifier
        silent.control_system_identifier = kSystem;
        silent.query_error = "FATAL:  sorry, too many clients already";
        add(make("SilentRunningServerMayBeThePrimary", three,
                 {silent, standby("db2", "0/5000000"), standby("db3", "0/5000000")}, "db2",
                 Force::No, PromoteVerdict::Refuse,
                 {"db1 is running as the primary", "does not say what it is", "too many clients"}));
        add(plan(make("SilentRunningServerIsFencedWithForce", three,
                      {silent, standby("db2", "0/5000000"), standby("db3", "0/5000000")}, "db2",
                      Force::Yes, PromoteVerdict::Promote, {"promote db2"}),
                 {0}, {}, {0}, {2}, {}, {}));
        auto starting = stopped("db3", true);
        starting.running = true;  // a standby starting up: role unknown, standby.signal
        add(plan(make("StartingStandbyIsNotAPrimary", three,
                      {down("db1"), standby("db2", "0/5000000"), starting}, "db2", Force::No,
                      PromoteVerdict::Promote, {"promote db2"}),
                 {}, {}, {0}, {}, {}, {0}));
    }
    {
        auto locked = down("db1");
        locked.answered = true;
        locked.unreachable_reason = "db1: sudo: a password is required";
        add(make("UninspectedOldPrimaryIsRefused", three,
                 {locked, standby("db2", "0/5000000"), standby("db3", "0/5000000")}, "db2",
                 Force::No, PromoteVerdict::Refuse,
                 {"up but could not be inspected", "a password is required", "pgrepl ping"}));
        add(plan(make("UninspectedOldPrimaryWithForce", three,
                      {locked, standby("db2", "0/5000000"), standby("db3", "0/5000000")}, "db2",
                      Force::Yes, PromoteVerdict::Promote, {"promote db2"}),
                 {}, {}, {0}, {2}, {}, {}));
    }
    return c;
}

class PromoteDecide : public ::testing::TestWithParam<Case> {};

TEST_P(PromoteDecide, Decides) {
    const Case& c = GetParam();
    const auto decision = decide_promote(c.inventory, c.states, c.target, c.force, c.wait);
    ASSERT_EQ(decision.verdict, c.verdict) << describe(decision);
    const std::string text = decision.reason + " | " + decision.hint;
    for (const auto& part : c.reason_has) {
        EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
    }
    if (c.verdict != PromoteVerdict::Promote && c.verdict != PromoteVerdict::Resume) return;
    EXPECT_EQ(decision.stop_and_fence, c.stop_and_fence);
    EXPECT_EQ(decision.fence_stopped, c.fence_stopped);
    EXPECT_EQ(decision.old_primaries, c.old_primaries);
    EXPECT_EQ(decision.followers, c.followers);
    EXPECT_EQ(ahead_hosts(decision), c.ahead);
    EXPECT_EQ(decision.assumed_dead, c.assumed_dead);
}

INSTANTIATE_TEST_SUITE_P(Table, PromoteDecide, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                             return info.param.name;
                         });

TEST(PromoteDecideDetail, NamesTheMostAdvancedStandbyAndTheBytes) {
    const auto inventory = cascading();
    const auto decision =
        decide_promote(inventory,
                       {down("db1"), standby("db2", "0/5000000"), standby("db3", "0/5001000"),
                        standby("db4", "0/5000800", "10.0.0.12")},
                       "db2", Force::Yes);
    ASSERT_EQ(decision.verdict, PromoteVerdict::Promote);
    ASSERT_TRUE(decision.most_advanced.has_value());
    EXPECT_EQ(*decision.most_advanced, 2u);
    ASSERT_EQ(decision.ahead.size(), 2u);
    EXPECT_EQ(decision.ahead[0].host, 2u);
    EXPECT_EQ(decision.ahead[0].bytes, 0x1000u);
    EXPECT_EQ(decision.ahead[1].host, 3u);
    EXPECT_EQ(decision.ahead[1].bytes, 0x800u);
    const bool noted = std::any_of(decision.notes.begin(), decision.notes.end(), [](auto& n) {
        return n.find("db3 holds 4096 byte(s)") != std::string::npos;
    });
    EXPECT_TRUE(noted);
}

TEST(PromoteDecideDetail, UnreachableOldPrimaryIsNotedAsAssumedDead) {
    const auto decision = decide_promote(
        three_hosts(), {down("db1"), standby("db2", "0/5000000"), standby("db3", "0/5000000")},
        "db2", Force::No);
    ASSERT_EQ(decision.verdict, PromoteVerdict::Promote);
    ASSERT_FALSE(decision.notes.empty());
    EXPECT_NE(decision.notes[0].find("db1 is unreachable"), std::string::npos);
    EXPECT_NE(decision.notes[0].find("assumed dead"), std::string::npos);
    EXPECT_NE(decision.notes[0].find("cannot be fenced"), std::string::npos);
}

TEST(PromoteDecideDetail, WaitSaysForWhomAndHowLong) {
    const auto decision =
        decide_promote(three_hosts(), {down("db1"), hearing("db2", 1'000), hearing("db3", 2'500)},
                       "db2", Force::No, PromoteWait{{}, std::chrono::milliseconds(30'000)});
    ASSERT_EQ(decision.verdict, PromoteVerdict::Wait) << describe(decision);
    EXPECT_EQ(decision.wait_for, std::chrono::milliseconds(6'000));
    EXPECT_EQ(decision.waiting_on, std::vector<std::size_t>{0});
}

TEST(PromoteDecideDetail, ADeadPrimaryIsNotedWithTheSilenceThatProvesIt) {
    const auto decision =
        decide_promote(three_hosts(), {down("db1"), hearing("db2", 7'500), hearing("db3", 8'000)},
                       "db2", Force::No);
    ASSERT_EQ(decision.verdict, PromoteVerdict::Promote) << describe(decision);
    const bool noted = std::any_of(decision.notes.begin(), decision.notes.end(), [](auto& n) {
        return n.find("db1 is down: db2 has not heard from it for 7.5 s (more than 7.0 s)") !=
               std::string::npos;
    });
    EXPECT_TRUE(noted);
}

TEST(PromoteDecideDetail, TargetWithoutAnyPositionIsBehindOneThatHasSome) {
    auto empty = standby("db2", "0/0");
    empty.server->receive_lsn.reset();
    empty.server->replay_lsn.reset();
    const auto decision = decide_promote(
        three_hosts(), {down("db1"), empty, standby("db3", "0/5000000")}, "db2", Force::No);
    EXPECT_EQ(decision.verdict, PromoteVerdict::Refuse) << describe(decision);
    EXPECT_NE(decision.reason.find("received up to none"), std::string::npos) << decision.reason;
}

}  // namespace
}  // namespace pgrepl::promote_test
