// decide_resume: a switchover that a killed run left with the primary stopped (its marker
// names the target) is resumed by the next run; anything else is not. decide_finish: one
// killed after the promotion (the target leads, the old primary still has the marker) is
// finished by the next run. decide_done: a re-run after the switchover ended has nothing to do.
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

// A standby whose WAL receiver streams from `sender`.
HandoverHostState streaming_from(const std::string& name, const std::string& sender) {
    auto s = standby(name, "0/5000000", sender, "streaming");
    s.server->receiver->sender = Endpoint{sender, 5432};
    return s;
}

// db2 leads after a switchover from db1; db1 and db3 stream from it.
std::vector<HandoverHostState> switched_to_db2() {
    return {streaming_from("db1", "10.0.0.12"), primary("db2"), streaming_from("db3", "10.0.0.12")};
}

TEST(SwitchoverDone, AReRunAfterTheSwitchoverEndedHasNothingToDo) {
    const auto d = decide_done(three_hosts(), switched_to_db2(), "db2");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->verdict, SwitchoverVerdict::Done);
    EXPECT_FALSE(stop_kind(d->verdict)) << "exit code 0";
    EXPECT_EQ(d->target, 1u);
    EXPECT_EQ(d->siblings, (std::vector<std::size_t>{0, 2}));
    EXPECT_NE(d->reason.find("db2 already is the primary and every other host streams in its "
                             "topology (db1 from db2, db3 from db2): nothing to do"),
              std::string::npos)
        << d->reason;
    // What the run's own decision says of it: refused, which decide_done then replaces.
    EXPECT_EQ(decide_switchover(three_hosts(), switched_to_db2(), {{}, {}, {}}, "db2").verdict,
              SwitchoverVerdict::Refuse);
    // The primary of the inventory, never switched: the same.
    const std::vector<HandoverHostState> never = {
        primary("db1"), streaming_from("db2", "10.0.0.11"), streaming_from("db3", "10.0.0.11")};
    const auto same = decide_done(three_hosts(), never, "db1");
    ASSERT_TRUE(same);
    EXPECT_EQ(same->verdict, SwitchoverVerdict::Done);
    // A cascade below another standby keeps its upstream.
    auto cascade = switched_to_db2();
    cascade[2] = streaming_from("db3", "10.0.0.11");
    const auto below = decide_done(three_hosts(), cascade, "db2");
    ASSERT_TRUE(below);
    EXPECT_EQ(below->siblings, std::vector<std::size_t>{0});
    EXPECT_EQ(below->keep_upstream, std::vector<std::size_t>{2});
}

TEST(SwitchoverDone, AnythingLeftToDoIsNotDone) {
    const Inventory three = three_hosts();
    EXPECT_FALSE(decide_done(three, switched_to_db2(), "db1")) << "db1 is a standby";
    EXPECT_FALSE(decide_done(three, switched_to_db2(), "db9"));
    auto marked = switched_to_db2();
    marked[0].switchover_note = switchover_marker_line("db2");
    EXPECT_FALSE(decide_done(three, marked, "db2")) << "finished instead";
    auto down_host = switched_to_db2();
    down_host[2] = down("db3");
    EXPECT_FALSE(decide_done(three, down_host, "db2"));
    auto stopped_host = switched_to_db2();
    stopped_host[0] = stopped("db1", true);
    EXPECT_FALSE(decide_done(three, stopped_host, "db2"));
    auto not_streaming = switched_to_db2();
    not_streaming[2].server->receiver->status = "waiting";
    EXPECT_FALSE(decide_done(three, not_streaming, "db2"));
    auto two = switched_to_db2();
    two[0] = primary("db1");
    EXPECT_FALSE(decide_done(three, two, "db2")) << "two primaries";
    auto other = switched_to_db2();
    other[2].server->system_identifier = "7300000000000000099";
    EXPECT_FALSE(decide_done(three, other, "db2")) << "another system";
}

}  // namespace
}  // namespace pgrepl
