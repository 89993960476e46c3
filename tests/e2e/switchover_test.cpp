// pgrepl switchover on the lab (1 primary + 2 standbys): so far the preconditions and the plan.
// Every refusal exits 3 and changes nothing (each host's role, start time and fence files as
// before); --check on a healthy cluster shows the plan.
#include <gtest/gtest.h>

#include <string>

#include "lab.hpp"
#include "promote_support.hpp"

namespace pgrepl::e2e {
namespace {

TEST(SwitchoverRefusals, HealthyClusterShowsThePlanAndChangesNothing) {
    fresh_cluster();
    const std::string before = cluster_fingerprint();
    const ProcessResult check = run_pgrepl({"switchover", "db2", "--check"});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_TRUE(contains(check.out, "plan: switch over from db1 to db2")) << check.out;
    EXPECT_TRUE(contains(check.out, "db3 follow db2 (slots created there first)")) << check.out;
    EXPECT_TRUE(contains(check.out, "check: nothing was changed")) << check.out;
    EXPECT_EQ(cluster_fingerprint(), before);
    // Without --check: the sequence does not exist yet; it says so and changes nothing.
    const ProcessResult apply = run_pgrepl({"switchover", "db2"});
    EXPECT_EQ(apply.exit_code, 1) << apply.describe();
    EXPECT_TRUE(contains(apply.out, "not implemented yet")) << apply.out;
    EXPECT_EQ(cluster_fingerprint(), before);
}

TEST(SwitchoverRefusals, TargetWithReplayPaused) {
    fresh_cluster();
    Restore restore([] { psql("db2", "SELECT pg_wal_replay_resume();"); });
    ASSERT_EQ(psql("db2", "SELECT pg_wal_replay_pause();").exit_code, 0);
    const std::string before = cluster_fingerprint();
    for (const char* check : {"--check", ""}) {
        std::vector<std::string> args{"switchover", "db2"};
        if (*check != '\0') args.emplace_back(check);
        const ProcessResult result = run_pgrepl(args);
        EXPECT_EQ(result.exit_code, 3) << result.describe();
        EXPECT_TRUE(contains(result.out, "refused: replay is paused on db2")) << result.out;
        EXPECT_TRUE(contains(result.out, "pg_wal_replay_resume()")) << result.out;
        EXPECT_EQ(cluster_fingerprint(), before);
    }
}

TEST(SwitchoverRefusals, SiblingDown) {
    fresh_cluster();
    Restore restore([] {
        run_lab({"start-host", "db3"});
        lab_shell("db3", "pg_ctlcluster 15 main start");
        EXPECT_TRUE(wait_healthy());
    });
    const std::string db1 = host_fingerprint("db1");
    const std::string db2 = host_fingerprint("db2");
    ASSERT_EQ(run_lab({"stop-host", "db3"}).exit_code, 0);
    const ProcessResult result = run_pgrepl({"switchover", "db2", "--check"});
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(contains(result.out, "refused: db3 is unreachable")) << result.out;
    EXPECT_TRUE(contains(result.out, "it could not follow the new primary")) << result.out;
    EXPECT_EQ(host_fingerprint("db1"), db1);
    EXPECT_EQ(host_fingerprint("db2"), db2);
}

TEST(SwitchoverRefusals, TargetNotAStandby) {
    fresh_cluster();
    const std::string before = cluster_fingerprint();
    ProcessResult result = run_pgrepl({"switchover", "db1"});
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(contains(result.out, "refused: db1 already is the primary")) << result.out;
    result = run_pgrepl({"switchover", "db9", "--check"});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_TRUE(contains(result.out, "db9 is not a host of the inventory")) << result.out;
    EXPECT_EQ(cluster_fingerprint(), before);
}

}  // namespace
}  // namespace pgrepl::e2e
