// The run document of setup, promote and switchover --json (docs/json.md): its layout, and
// how promote's events and switchover's report become per-host steps.
#include "pgrepl/engine/run_report.hpp"

#include <gtest/gtest.h>

#include "pgrepl/promote/report.hpp"
#include "pgrepl/switchover/switchover.hpp"
#include "pgrepl/util/json.hpp"

namespace pgrepl {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> keys(const Json& object) {
    std::vector<std::string> names;
    for (const auto& [name, value] : object.items()) names.push_back(name);
    return names;
}

StepReport report(std::string host, std::string step, StepStatus status,
                  std::chrono::milliseconds took = 0ms) {
    StepReport r;
    r.host = std::move(host);
    r.step = std::move(step);
    r.status = status;
    r.reason = "because";
    r.duration = took;
    return r;
}

Inventory three_hosts() {
    Inventory inventory;
    for (const char* name : {"db1", "db2", "db3"}) {
        Host host;
        host.name = name;
        inventory.hosts.push_back(host);
    }
    inventory.hosts[0].role = Role::Primary;
    return inventory;
}

TEST(RunReportJson, LayoutTotalsAndHostsInInventoryOrder) {
    RunReport run;
    run.command = "setup";
    run.exit_code = ExitCode::Failed;
    run.outcome = outcome_of(run.exit_code);
    run.hosts = {"db1", "db2", "db3"};
    run.duration = 1234ms;
    run.steps = {report("db2", "packages", StepStatus::Ok),
                 report("db1", "cluster", StepStatus::Changed, 800ms)};
    auto failed = report("db2", "replica", StepStatus::Failed);
    failed.failure = ErrorKind::Remote;
    failed.hint = "look";
    run.steps.push_back(failed);
    const Json json = Json::parse(run_report_json(run));
    EXPECT_EQ(keys(json), (std::vector<std::string>{
                              "format", "command", "mode", "exit_code", "outcome", "message",
                              "hint", "target", "timeline", "writable_after_ms", "unavailable_ms",
                              "duration_ms", "totals", "hosts"}));
    EXPECT_EQ(json["format"], "pgrepl-run/1");
    EXPECT_EQ(json["mode"], "apply");
    EXPECT_EQ(json["exit_code"], 1);
    EXPECT_EQ(json["outcome"], "failed");
    EXPECT_EQ(json["duration_ms"], 1234);
    EXPECT_EQ(json["totals"], Json::parse(R"({"ok":1,"changed":1,"failed":1,"skipped":0})"));
    ASSERT_EQ(json["hosts"].size(), 3u);
    EXPECT_EQ(json["hosts"][0]["name"], "db1");
    EXPECT_EQ(json["hosts"][0]["changed"], 1);
    EXPECT_EQ(json["hosts"][0]["steps"][0]["duration_ms"], 800);
    EXPECT_EQ(keys(json["hosts"][1]["steps"][1]),
              (std::vector<std::string>{"step", "status", "reason", "hint", "diff", "duration_ms",
                                        "error_kind"}));
    EXPECT_EQ(json["hosts"][1]["steps"][1]["error_kind"], "remote");
    EXPECT_EQ(json["hosts"][1]["steps"][1]["hint"], "look");
    EXPECT_TRUE(json["hosts"][1]["steps"][0]["hint"].is_null());
    EXPECT_TRUE(json["hosts"][2]["steps"].empty());
}

TEST(RunReportJson, PromoteEventsBecomeSteps) {
    PromoteReport promote;
    promote.events.emplace_back(PromoteStarted{"db2", RunMode::Apply, 3});
    promote.events.emplace_back(PromoteFenced{"db1", true, 300ms, std::nullopt, true});
    PromotePromoted promoted;
    promoted.host = "db2";
    promoted.timeline = 2;
    promoted.took = 900ms;
    promote.events.emplace_back(promoted);
    promote.events.emplace_back(RepointStep{report("db3", "replica", StepStatus::Changed), ""});
    RepointFollowed followed;
    followed.host = "db3";
    followed.upstream = "db2";
    followed.following = true;
    followed.timeline = 2;
    promote.events.emplace_back(followed);
    PromoteDone done;
    done.target = "db2";
    done.writable_at = 1500ms;
    done.total = 2500ms;
    promote.events.emplace_back(done);
    const Json json =
        Json::parse(run_report_json(promote_run_report(three_hosts(), promote, RunMode::Apply)));
    EXPECT_EQ(json["outcome"], "promoted");
    EXPECT_EQ(json["target"], "db2");
    EXPECT_EQ(json["timeline"], 2);
    EXPECT_EQ(json["writable_after_ms"], 1500);
    EXPECT_EQ(json["duration_ms"], 2500);
    EXPECT_EQ(json["hosts"][0]["steps"][0]["step"], "fence");
    EXPECT_EQ(json["hosts"][0]["steps"][0]["reason"], "stopped and fenced");
    EXPECT_EQ(json["hosts"][1]["steps"][0]["step"], "promote");
    EXPECT_EQ(json["hosts"][1]["steps"][0]["duration_ms"], 900);
    EXPECT_EQ(json["hosts"][2]["steps"][1]["reason"], "streams from db2 on timeline 2");
    EXPECT_EQ(json["totals"]["changed"], 3);
}

TEST(RunReportJson, APromoteRefusalHasItsMessageAndHint) {
    PromoteReport promote;
    promote.exit_code = ExitCode::Refused;
    promote.events.emplace_back(PromoteStarted{"db2", RunMode::Apply, 3});
    promote.events.emplace_back(PromoteStopped{PromoteVerdict::Refuse, "the primary db1 is alive",
                                               "use switchover", "nothing was changed"});
    const Json json =
        Json::parse(run_report_json(promote_run_report(three_hosts(), promote, RunMode::Apply)));
    EXPECT_EQ(json["outcome"], "refused");
    EXPECT_EQ(json["exit_code"], 3);
    EXPECT_EQ(json["message"], "the primary db1 is alive (nothing was changed)");
    EXPECT_EQ(json["hint"], "use switchover");
    EXPECT_EQ(json["totals"]["changed"], 0);
}

TEST(RunReportJson, SwitchoverStopPromoteAndRepointing) {
    SwitchoverReport switched;
    switched.decision.verdict = SwitchoverVerdict::Switch;
    switched.decision.primary = 0;
    switched.decision.target = 1;
    switched.outcome = SwitchoverOutcome::Switched;
    switched.timeline = 3;
    switched.unavailable = 1800ms;
    switched.total = 4000ms;
    switched.steps = {report("db1", "replica", StepStatus::Changed)};
    RunReport run = switchover_run_report(three_hosts(), switched, RunMode::Apply);
    run.verify_document = R"({"format":"pgrepl-verify/1","healthy":true})";
    const Json json = Json::parse(run_report_json(run));
    EXPECT_EQ(json["outcome"], "switched");
    EXPECT_EQ(json["target"], "db2");
    EXPECT_EQ(json["unavailable_ms"], 1800);
    EXPECT_EQ(json["timeline"], 3);
    EXPECT_EQ(json["hosts"][0]["steps"][0]["step"], "stop");
    EXPECT_EQ(json["hosts"][0]["steps"][1]["step"], "replica");
    EXPECT_EQ(json["hosts"][1]["steps"][0]["step"], "promote");
    EXPECT_EQ(json["verify"]["healthy"], true);

    SwitchoverReport refused;
    refused.decision.reason = "db2 is 2 GiB behind";
    refused.decision.hint = "wait";
    refused.decision.target = 1;
    refused.exit_code = ExitCode::Refused;
    const Json no =
        Json::parse(run_report_json(switchover_run_report(three_hosts(), refused, RunMode::Apply)));
    EXPECT_EQ(no["outcome"], "refused");
    EXPECT_EQ(no["message"], "db2 is 2 GiB behind");
    EXPECT_TRUE(no["hosts"][0]["steps"].empty());

    SwitchoverReport done;
    done.decision.verdict = SwitchoverVerdict::Done;
    done.decision.target = 1;
    done.decision.primary = 1;
    for (const RunMode mode : {RunMode::Apply, RunMode::Check}) {
        const Json nothing =
            Json::parse(run_report_json(switchover_run_report(three_hosts(), done, mode)));
        EXPECT_EQ(nothing["outcome"], "done");
        EXPECT_EQ(nothing["exit_code"], 0);
        EXPECT_TRUE(nothing["hosts"][0]["steps"].empty());
    }
}

}  // namespace
}  // namespace pgrepl
