// setup, promote and switchover --json against the lab: stdout is one pgrepl-run/1 document
// (per host, per step: status, reason, duration; totals), the progress lines go to stderr
// (docs/json.md).
#include <gtest/gtest.h>

#include "pgrepl/util/json.hpp"
#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

/// The document on stdout of `pgrepl ARGS --json`, or fails the test.
Json document_of(const ProcessResult& result) {
    Json json = Json::parse(result.out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << result.describe();
    if (json.is_discarded()) return Json::object();
    EXPECT_EQ(json["format"], "pgrepl-run/1") << result.out;
    EXPECT_EQ(json["exit_code"], result.exit_code) << result.out;
    return json;
}

TEST(JsonReport, SetupPromoteAndSwitchover) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);

    const ProcessResult first = run_pgrepl({"setup", inventory, "--json"});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    Json setup = document_of(first);
    EXPECT_EQ(setup["command"], "setup");
    EXPECT_EQ(setup["outcome"], "ok");
    EXPECT_GT(setup["totals"]["changed"].get<int>(), 5) << first.out;
    EXPECT_EQ(setup["totals"]["failed"], 0) << first.out;
    ASSERT_EQ(setup["hosts"].size(), 3u) << first.out;
    for (const auto& host : setup["hosts"]) {
        EXPECT_FALSE(host["steps"].empty()) << host.dump();
        for (const auto& step : host["steps"]) {
            EXPECT_TRUE(step["duration_ms"].is_number()) << step.dump();
            EXPECT_TRUE(step["status"].is_string()) << step.dump();
        }
    }
    EXPECT_NE(first.err.find("RECAP"), std::string::npos) << "progress on stderr";

    const ProcessResult again = run_pgrepl({"setup", inventory, "--json"});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    EXPECT_EQ(document_of(again)["totals"]["changed"], 0) << again.out;

    // promote refuses while the primary is alive: the refusal is in the document.
    const ProcessResult refused = run_pgrepl({"promote", "db2", "-i", inventory, "--json"});
    EXPECT_EQ(refused.exit_code, 3) << refused.describe();
    Json promote = document_of(refused);
    EXPECT_EQ(promote["outcome"], "refused") << refused.out;
    EXPECT_TRUE(promote["message"].is_string()) << refused.out;
    EXPECT_TRUE(promote["hint"].is_string()) << refused.out;

    // A switchover: the stop, the promotion, the followers and the verify pass, in one document.
    const ProcessResult switched = run_pgrepl({"switchover", "db2", "-i", inventory, "--json"});
    ASSERT_EQ(switched.exit_code, 0) << switched.describe();
    Json switchover = document_of(switched);
    EXPECT_EQ(switchover["outcome"], "switched") << switched.out;
    EXPECT_EQ(switchover["target"], "db2");
    EXPECT_TRUE(switchover["unavailable_ms"].is_number()) << switched.out;
    EXPECT_GT(switchover["timeline"].get<int>(), 1) << switched.out;
    EXPECT_EQ(switchover["hosts"][0]["steps"][0]["step"], "stop") << switched.out;
    EXPECT_EQ(switchover["hosts"][1]["steps"][0]["step"], "promote") << switched.out;
    EXPECT_EQ(switchover["verify"]["format"], "pgrepl-verify/1") << switched.out;
    EXPECT_EQ(switchover["verify"]["healthy"], true) << switched.out;
    EXPECT_EQ(switchover["verify"]["primary"], "db2") << switched.out;
    reset_lab();
}

}  // namespace
}  // namespace pgrepl::e2e
