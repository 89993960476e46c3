// `pgrepl promote --force` while another standby holds WAL the target never received: that
// standby is reported and left alone; `pgrepl setup` then sees that it diverged from the new
// primary's timeline, refuses to touch it running without --force, would rewind it stopped
// (--check), and re-clones it with --force. verify is healthy with the original inventory
// afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "lab.hpp"
#include "promote_support.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

// ---- a standby that cannot follow -------------------------------------------------------------

TEST(PromoteDiverged, StandbyAheadIsReportedThenReClonedBySetup) {
    fresh_cluster();
    Restore restore(wipe_lab);
    TempDir dir;
    const std::string inventory = dir.file("inventory.yaml");
    write_local_file(inventory, read_local_file(lab_path("inventory.yaml")));
    // db2 stops receiving; db3 receives what the primary writes next; the primary's host dies.
    ASSERT_NO_FATAL_FAILURE(put_db3_ahead_of_db2("pgrepl_e2e_ahead"));
    ASSERT_EQ(run_lab({"stop-host", "db1"}).exit_code, 0);

    // --force promotes db2 anyway: db3 is not re-pointed, and the hint says how to re-clone it.
    const ProcessResult result =
        run_pgrepl({"-i", inventory, "promote", "db2", "--force", "--update-inventory"});
    ASSERT_EQ(result.exit_code, 0) << result.describe();
    std::cout << result.out;
    EXPECT_TRUE(contains(result.out, "byte(s) of WAL that db2 never received")) << result.out;
    EXPECT_TRUE(contains(result.out, "db3: not re-pointed")) << result.out;
    EXPECT_TRUE(contains(result.out,
                         "hint: rejoin it to the new primary: stop it, then pgrepl setup --limit "
                         "db2,db3 rejoins it with pg_rewind"))
        << result.out;  // the roles are rewritten by --update-inventory: no "update" advice
    EXPECT_TRUE(contains(result.out, "1 standby(s) NOT following")) << result.out;
    EXPECT_EQ(query("db2", "SELECT pg_is_in_recovery()"), "f");
    ASSERT_EQ(
        psql("db2", "ALTER SYSTEM RESET primary_conninfo; SELECT pg_reload_conf();").exit_code, 0);

    // setup sees the fork: without --force it refuses and changes nothing...
    const std::string db3_before = host_fingerprint("db3");
    const ProcessResult refused = run_pgrepl({"-i", inventory, "setup", "--limit", "db2,db3"});
    EXPECT_EQ(refused.exit_code, 3) << refused.describe();
    EXPECT_TRUE(
        contains(refused.out, "refusing to re-point a standby that diverged from db2's history"))
        << refused.out;
    EXPECT_EQ(host_fingerprint("db3"), db3_before);
    // Once db3 is stopped, --check (nothing started) takes its position from pg_controldata:
    // a stopped diverged standby is rewound with pg_rewind (docs/rejoin.md, the Rejoin tests);
    // --force re-clones it instead: the cluster step starts it, the replica step re-clones it.
    ASSERT_EQ(lab_shell("db3", "pg_ctlcluster 15 main stop").exit_code, 0);
    const ProcessResult check =
        run_pgrepl({"-i", inventory, "setup", "--check", "--limit", "db2,db3"});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_TRUE(contains(check.out,
                         "rewind the stopped standby with pg_rewind onto db2's "
                         "timeline 2"))
        << check.out;
    EXPECT_NE(lab_shell("db3", "pg_ctlcluster 15 main status").exit_code, 0)
        << "--check started it";
    EXPECT_EQ(query("db3", "SELECT count(*) FROM pgrepl_e2e_ahead"), "") << "it is stopped";
    // ...with --force it re-clones db3 from db2, which then streams from db2 through its slot.
    const ProcessResult reclone =
        run_pgrepl({"-i", inventory, "setup", "--force", "--limit", "db2,db3"});
    ASSERT_EQ(reclone.exit_code, 0) << reclone.describe();
    EXPECT_TRUE(contains(reclone.out, "re-clone the standby that diverged from db2's history"))
        << reclone.out;
    EXPECT_EQ(query("db3", "SELECT sender_host || ' ' || received_tli FROM pg_stat_wal_receiver"),
              "10.231.0.12 2");
    EXPECT_EQ(psql("db2", "CREATE TABLE pgrepl_e2e_after AS SELECT 1 AS x").exit_code, 0);
    for (int i = 0; i < 50 && query("db3", "SELECT count(*) FROM pgrepl_e2e_after") != "1"; ++i)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(query("db3", "SELECT count(*) FROM pgrepl_e2e_after"), "1");
    // What db2 never received is gone (asynchronous replication, promoted with --force).
    EXPECT_NE(psql("db3", "SELECT count(*) FROM pgrepl_e2e_ahead").exit_code, 0);
    // verify with the original inventory: healthy, db1 (dead) a former primary.
    const ProcessResult verify = run_pgrepl({"verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.describe();
    EXPECT_TRUE(contains(verify.out, "healthy: primary db2, 1 standby(s) streaming")) << verify.out;
}

}  // namespace
}  // namespace pgrepl::e2e
