// promote's report: the events of a run, and their text (pure renderer).
#include <gtest/gtest.h>

#include "pgrepl/promote/report.hpp"
#include "promote_test_util.hpp"

namespace pgrepl {
namespace {

std::vector<std::string> text(const PromoteEvent& event, RunMode mode = RunMode::Apply) {
    return render_promote_event(promote_test::three_hosts(), event, PromoteTextOptions{mode, false});
}

TEST(PromoteReport, StartAndDecisionLines) {
    EXPECT_EQ(text(PromoteStarted{"db2", RunMode::Check, 3}),
              std::vector<std::string>{
                  "promote db2 --check (nothing is changed): asking 3 host(s) what they are"});
    EXPECT_EQ(text(PromoteDecided{"promote db2", Millis{1234}}),
              std::vector<std::string>{"decision: promote db2 [1.23 s since start]"});
    EXPECT_EQ(text(PromoteWaiting{{"db1", "db4"}, 7, "db2 still streams"}),
              std::vector<std::string>{
                  "waiting for evidence that db1, db4 is down: 7 s left (db2 still streams)"});
}

TEST(PromoteReport, StoppedLinesPerVerdict) {
    EXPECT_EQ(text(PromoteStopped{PromoteVerdict::Refuse, "db1 is alive", "stop it", "x"}),
              (std::vector<std::string>{"refused: db1 is alive", "hint: stop it",
                                        "nothing was changed"}));
    EXPECT_EQ(text(PromoteStopped{PromoteVerdict::Fail, "no", "h", "the old primary stays"}),
              (std::vector<std::string>{"failed: no", "hint: h", "the old primary stays"}));
    EXPECT_EQ(text(PromoteStopped{PromoteVerdict::Usage, "db9 is not a host", "h", ""}),
              (std::vector<std::string>{"error: db9 is not a host", "hint: h"}));
}

TEST(PromoteReport, FenceFailureOfAStoppedPrimaryWarns) {
    PromoteFenced fenced;
    fenced.host = "db1";
    fenced.error = make_error(ErrorKind::Remote, "cannot write", "look");
    fenced.must_stop = false;
    EXPECT_EQ(text(fenced),
              (std::vector<std::string>{"  db1: fence: failed: cannot write", "      hint: look",
                                        "  warning: db1 stays unfenced: do not start it"}));
}

TEST(PromoteReport, FollowerThatDoesNotFollowShowsHintAndLog) {
    RepointFollowed followed;
    followed.host = "db3";
    followed.upstream = "db2";
    followed.timeout_s = 30;
    followed.status = "no WAL receiver";
    followed.hint = "re-clone it";
    followed.log_tail = "line one\n\nline two\n";
    EXPECT_EQ(text(followed),
              (std::vector<std::string>{"  db3: does not follow db2 after 30 s (no WAL receiver)",
                                        "      hint: re-clone it", "      log: line one",
                                        "      log: line two"}));
}

TEST(PromoteReport, DoneSummaryAndTimings) {
    PromoteDone done;
    done.target = "db2";
    done.writable_at = Millis{850};
    done.following = 1;
    done.all_following_at = Millis{2500};
    done.total = Millis{3000};
    EXPECT_EQ(text(done), (std::vector<std::string>{
                              "done: db2 is the primary; writable 850 ms after start; 1 "
                              "standby(s) following 2.50 s after start",
                              "timings: writable_ms=850 following_ms=2500 total_ms=3000"}));
    done.mode = RunMode::Check;
    EXPECT_EQ(text(done),
              std::vector<std::string>{"check: db2 would be promoted; nothing was changed"});
}

}  // namespace
}  // namespace pgrepl
