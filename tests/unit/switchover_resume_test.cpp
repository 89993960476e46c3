// decide_resume: a switchover that a killed run left with the primary stopped (its marker
// names the target) is resumed by the next run; anything else is not. decide_finish: one
// killed after the promotion (the target leads, the old primary still has the marker) is
// finished by the next run.
#include <gtest/gtest.h>

#include "pgrepl/handover/demote.hpp"
#include "pgrepl/switchover/decide.hpp"
#include "promote_test_util.hpp"

namespace pgrepl {
namespace {

using namespace promote_test;

HandoverHostState stopped_for(const std::string& name, const std::string& target) {
    auto s = stopped(name, true);
    s.switchover_note = switchover_marker_line(target);
    return s;
}

std::vector<HandoverHostState> half_done() {
    return {stopped_for("db1", "db2"), standby("db2", "0/5000000"), standby("db3", "0/5000000")};
}

TEST(SwitchoverResume, APrimaryStoppedForThisTargetIsResumed) {
    const auto d = decide_resume(three_hosts(), half_done(), "db2");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->verdict, SwitchoverVerdict::Switch);
    EXPECT_EQ(d->start, SwitchoverStart::Stopped);
    EXPECT_EQ(d->primary, 0u);
    EXPECT_EQ(d->target, 1u);
    EXPECT_EQ(d->siblings, std::vector<std::size_t>{2});
    EXPECT_NE(d->reason.find("resume the switchover from db1 to db2"), std::string::npos)
        << d->reason;
    // The same state asked for by the decision of the run: refused (no running primary), which
    // the resume then replaces.
    const auto refused = decide_switchover(three_hosts(), half_done(), {{}, {}, {}}, "db2");
    EXPECT_EQ(refused.verdict, SwitchoverVerdict::Refuse);
}

TEST(SwitchoverResume, NothingElseIsResumed) {
    const Inventory three = three_hosts();
    EXPECT_FALSE(decide_resume(three, half_done(), "db3")) << "the marker names db2";
    auto running = half_done();
    running[0] = primary("db1");
    EXPECT_FALSE(decide_resume(three, running, "db2")) << "a running primary: a new switchover";
    auto no_marker = half_done();
    no_marker[0].switchover_note.reset();
    EXPECT_FALSE(decide_resume(three, no_marker, "db2")) << "stopped by someone else";
    auto sibling_down = half_done();
    sibling_down[2] = down("db3");
    EXPECT_FALSE(decide_resume(three, sibling_down, "db2"));
    auto paused = half_done();
    paused[1].server->replay_paused = true;
    EXPECT_FALSE(decide_resume(three, paused, "db2"));
    auto promoted = half_done();
    promoted[1] = primary("db2");
    EXPECT_FALSE(decide_resume(three, promoted, "db2")) << "promoted already: finished instead";
    EXPECT_FALSE(decide_resume(three, half_done(), "db9"));
}

std::vector<HandoverHostState> promoted_not_followed() {
    return {stopped_for("db1", "db2"), primary("db2"), standby("db3", "0/5000000")};
}

TEST(SwitchoverFinish, APromotionWithTheOldPrimaryStillMarkedIsFinished) {
    const auto d = decide_finish(three_hosts(), promoted_not_followed(), "db2");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->verdict, SwitchoverVerdict::Switch);
    EXPECT_EQ(d->start, SwitchoverStart::Promoted);
    EXPECT_EQ(d->primary, 0u);
    EXPECT_EQ(d->target, 1u);
    EXPECT_EQ(d->siblings, std::vector<std::size_t>{2});
    EXPECT_NE(d->reason.find("finish the switchover from db1 to db2: db2 runs as the primary"),
              std::string::npos)
        << d->reason;
    // What the run's own decision says of that state: refused (db2 already is the primary),
    // which the finish then replaces.
    const auto refused =
        decide_switchover(three_hosts(), promoted_not_followed(), {{}, {}, {}}, "db2");
    EXPECT_EQ(refused.verdict, SwitchoverVerdict::Refuse);
    EXPECT_NE(refused.reason.find("db2 already is the primary"), std::string::npos);
    // The old primary already started as a standby (the marker goes once it streams): the
    // same finish.
    auto started = promoted_not_followed();
    started[0] = standby("db1", "0/5000000");
    started[0].switchover_note = switchover_marker_line("db2");
    const auto again = decide_finish(three_hosts(), started, "db2");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->primary, 0u);
}

TEST(SwitchoverFinish, NothingElseIsFinished) {
    const Inventory three = three_hosts();
    auto no_marker = promoted_not_followed();
    no_marker[0].switchover_note.reset();
    EXPECT_FALSE(decide_finish(three, no_marker, "db2")) << "a failover, or finished already";
    EXPECT_FALSE(decide_finish(three, promoted_not_followed(), "db3")) << "db3 is no primary";
    auto other_target = promoted_not_followed();
    other_target[0].switchover_note = switchover_marker_line("db3");
    EXPECT_FALSE(decide_finish(three, other_target, "db2")) << "the marker names db3";
    auto two_primaries = promoted_not_followed();
    two_primaries[0] = primary("db1");
    two_primaries[0].switchover_note = switchover_marker_line("db2");
    EXPECT_FALSE(decide_finish(three, two_primaries, "db2"));
    auto sibling_down = promoted_not_followed();
    sibling_down[2] = down("db3");
    EXPECT_FALSE(decide_finish(three, sibling_down, "db2"));
    auto not_promoted = half_done();
    EXPECT_FALSE(decide_finish(three, not_promoted, "db2")) << "resumed instead";
    EXPECT_FALSE(decide_finish(three, promoted_not_followed(), "db9"));
}

}  // namespace
}  // namespace pgrepl
