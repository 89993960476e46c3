// `pgrepl promote` in the lab, from a real `pgrepl setup` of 1 primary + 2 replicas (slots on):
// refusals that change nothing, --force fencing a live primary, failover after the primary's
// host died (no acknowledged row that reached the target is lost, the others follow, verify
// is healthy with the stale inventory), and a failover after a clean stop (nothing lost).
// Each suite that changes the topology wipes the lab back to bare hosts at its end, so that
// the next suite (whatever it is) starts as from the ctest fixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lab.hpp"
#include "promote_support.hpp"
#include "writer.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;
// ---- refusals ---------------------------------------------------------------------------------

TEST(PromoteRefusals, LivePrimaryWithoutForceChangesNothing) {
    fresh_cluster();
    const std::string before = cluster_fingerprint();
    const ProcessResult result = run_pgrepl({"promote", "db2"});
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(contains(result.out, "refused: db1 is running as the primary")) << result.out;
    EXPECT_TRUE(contains(result.out, "--force")) << result.out;
    EXPECT_EQ(cluster_fingerprint(), before);
    // --check with --force shows the plan and changes nothing either.
    const ProcessResult check = run_pgrepl({"promote", "db2", "--force", "--check"});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_TRUE(contains(check.out, "db1: would stop")) << check.out;
    EXPECT_TRUE(contains(check.out, "db3: replica: would change: point the standby at db2"))
        << check.out;
    EXPECT_EQ(cluster_fingerprint(), before);
}

TEST(PromoteRefusals, TargetNotAStandby) {
    fresh_cluster();
    const std::string before = cluster_fingerprint();
    ProcessResult result = run_pgrepl({"promote", "db1", "--force"});
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(contains(result.out, "db1 is already the primary (it is not a standby)"))
        << result.out;
    result = run_pgrepl({"promote", "db9"});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_TRUE(contains(result.out, "no host named 'db9'")) << result.out;
    EXPECT_EQ(cluster_fingerprint(), before);
}

TEST(PromoteRefusals, TargetBehindAnotherStandby) {
    fresh_cluster();
    Restore restore([] {
        psql("db2", "SELECT pg_wal_replay_resume();");
        psql("db2", "ALTER SYSTEM RESET primary_conninfo; SELECT pg_reload_conf();");
        lab_shell("db1", "pg_ctlcluster 15 main start");
        psql("db1", "DROP TABLE IF EXISTS pgrepl_e2e_behind;");
        EXPECT_TRUE(wait_healthy());
    });
    // db2 stops receiving; db3 receives what the primary writes next; the primary stops.
    ASSERT_NO_FATAL_FAILURE(put_db3_ahead_of_db2("pgrepl_e2e_behind"));
    ASSERT_EQ(lab_shell("db1", "pg_ctlcluster 15 main stop -m fast").exit_code, 0);
    const std::string before = cluster_fingerprint();
    ProcessResult result = run_pgrepl({"promote", "db2"});
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(contains(result.out, "db2 is not the most advanced standby")) << result.out;
    EXPECT_TRUE(contains(result.out, "promote db3 instead")) << result.out;
    EXPECT_EQ(cluster_fingerprint(), before) << "a refusal must change nothing";
    // Paused replay alone does not make a standby behind: promotion replays what it received.
    ASSERT_EQ(psql("db3", "SELECT pg_wal_replay_pause();").exit_code, 0);
    result = run_pgrepl({"promote", "db3", "--check"});
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_TRUE(contains(result.out, "decision: promote db3 (the most advanced standby"))
        << result.out;
    psql("db3", "SELECT pg_wal_replay_resume();");
    EXPECT_EQ(cluster_fingerprint(), before);
}

// ---- --force with a live primary ----------------------------------------------------------

TEST(PromoteForce, FencesTheLivePrimaryAndLeavesExactlyOnePrimary) {
    fresh_cluster();
    Restore restore(wipe_lab);
    Writer writer("db1");
    std::this_thread::sleep_for(2s);
    const ProcessResult result = run_pgrepl({"promote", "db2", "--force"});
    ASSERT_EQ(result.exit_code, 0) << result.describe();
    std::cout << result.out;
    EXPECT_TRUE(contains(result.out, "db1: stopped (fast shutdown) and fenced")) << result.out;
    // Exactly one primary: db1 is down, db2 writes, db3 is a standby of db2.
    EXPECT_NE(lab_shell("db1", "pg_ctlcluster 15 main status").exit_code, 0);
    EXPECT_EQ(query("db2", "SELECT pg_is_in_recovery()"), "f");
    EXPECT_EQ(query("db3", "SELECT pg_is_in_recovery()"), "t");
    EXPECT_EQ(query("db3", "SELECT sender_host FROM pg_stat_wal_receiver"), "10.231.0.12");
    // Nothing acknowledged is lost: the fast shutdown sent everything, promote waited for it.
    const auto acknowledged = writer.acknowledged();
    EXPECT_GT(acknowledged.size(), 10u);
    EXPECT_EQ(lost_on(acknowledged, "db2"), 0u);
    // verify: db1 is a former primary (fenced), not a failure.
    const ProcessResult fenced_verify = run_pgrepl({"verify"});
    EXPECT_EQ(fenced_verify.exit_code, 0) << fenced_verify.describe();
    EXPECT_TRUE(contains(fenced_verify.out, "fenced by pgrepl promote")) << fenced_verify.out;

    // Fenced: pg_ctlcluster refuses to start it, and a start behind its back is read-only.
    EXPECT_EQ(lab_shell("db1", "grep -v '^#' /etc/postgresql/15/main/start.conf").out,
              "disabled\n");
    const auto marker = lab_shell("db1", "cat /etc/postgresql/15/main/pgrepl.fenced").out;
    EXPECT_TRUE(contains(marker, "db2 was promoted in its place")) << marker;
    const auto start = lab_shell("db1", "pg_ctlcluster 15 main start");
    EXPECT_NE(start.exit_code, 0);
    EXPECT_TRUE(contains(start.err + start.out, "disabled")) << start.describe();
    ASSERT_EQ(lab_shell("db1",
                        "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -w -l /dev/null "
                        "-D /var/lib/postgresql/15/main -o "
                        "'-c config_file=/etc/postgresql/15/main/postgresql.conf' start")
                  .exit_code,
              0);
    EXPECT_EQ(query("db1", "SELECT pg_is_in_recovery()"), "t");
    // verify says what happened: a fenced old primary started by hand is not a replica.
    const ProcessResult by_hand = run_pgrepl({"verify"});
    EXPECT_EQ(by_hand.exit_code, 1) << by_hand.describe();
    EXPECT_TRUE(contains(by_hand.out, "fenced by pgrepl promote")) << by_hand.out;
    EXPECT_TRUE(contains(by_hand.out, "was started by hand")) << by_hand.out;
    // And setup refuses to touch it.
    const ProcessResult setup = run_pgrepl({"setup", "--check"});
    EXPECT_EQ(setup.exit_code, 3) << setup.describe();
    // The fenced old primary rejoins as a replica of db2: roles updated, then a forced setup
    // re-clones it (start.conf restored, marker gone); the cluster is healthy with 2 standbys.
    TempDir dir;
    const std::string inventory = dir.file("inventory.yaml");
    write_local_file(inventory, read_local_file(lab_path("inventory.yaml")));
    const ProcessResult resume =
        run_pgrepl({"-i", inventory, "promote", "db2", "--update-inventory"});
    ASSERT_EQ(resume.exit_code, 0) << resume.describe();
    const ProcessResult rejoin =
        run_pgrepl({"-i", inventory, "setup", "--force", "--limit", "db2,db1"});
    ASSERT_EQ(rejoin.exit_code, 0) << rejoin.describe();
    EXPECT_TRUE(contains(rejoin.out, "re-clone the fenced old primary from db2")) << rejoin.out;
    EXPECT_EQ(query("db1", "SELECT pg_is_in_recovery()"), "t");
    EXPECT_EQ(lab_shell("db1", "grep -v '^#' /etc/postgresql/15/main/start.conf").out, "auto\n");
    EXPECT_NE(lab_shell("db1", "test -e /etc/postgresql/15/main/pgrepl.fenced").exit_code, 0);
    ASSERT_TRUE(wait_healthy()) << run_pgrepl({"verify"}).describe();
    const ProcessResult verify = run_pgrepl({"-i", inventory, "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.describe();
    EXPECT_TRUE(contains(verify.out, "healthy: primary db2, 2 standby(s) streaming")) << verify.out;
}

// ---- the primary's host dies ----------------------------------------------------------------

TEST(PromoteKillPrimary, NoAcknowledgedRowThatReachedTheTargetIsLost) {
    fresh_cluster();
    Restore restore(wipe_lab);
    TempDir dir;
    const std::string inventory = dir.file("inventory.yaml");
    const std::string original = read_local_file(lab_path("inventory.yaml"));
    write_local_file(inventory, original);
    Writer writer("db1");
    std::this_thread::sleep_for(3s);
    ASSERT_EQ(run_lab({"stop-host", "db1"}).exit_code, 0);
    const auto acknowledged = writer.acknowledged();
    wait_replayed("db2");
    const auto reached = ids_on("db2");  // what db2 had before the promotion

    const ProcessResult result =
        run_pgrepl({"-i", inventory, "promote", "db2", "--update-inventory"});
    ASSERT_EQ(result.exit_code, 0) << result.describe();
    std::cout << result.out;
    EXPECT_TRUE(contains(result.out, "db1 is unreachable")) << result.out;
    EXPECT_TRUE(contains(result.out, "assumed dead")) << result.out;
    EXPECT_TRUE(contains(result.out, "db3: streaming from db2 on timeline 2")) << result.out;
    // The reach probe told that db1 is down within --reach-timeout (1 s), not the SSH timeout.
    EXPECT_TRUE(contains(result.out, "no answer to a TCP connect within 1.0 s")) << result.out;

    // verify with the same (lab) inventory, db1 still dead: healthy, db1 a former primary.
    const ProcessResult healthy = run_pgrepl({"verify"});
    EXPECT_EQ(healthy.exit_code, 0) << healthy.describe();
    EXPECT_TRUE(contains(healthy.out, "former-primary")) << healthy.out;
    EXPECT_TRUE(contains(healthy.out, "former primary: unreachable since the failover to db2"))
        << healthy.out;
    EXPECT_TRUE(contains(healthy.out, "healthy: primary db2, 1 standby(s) streaming"))
        << healthy.out;

    // db2 writes; db3 streams from it through its slot.
    EXPECT_EQ(psql("db2", "INSERT INTO pgrepl_e2e_writes VALUES (-1)").exit_code, 0);
    EXPECT_EQ(query("db2", "SELECT state || ' ' || application_name FROM pg_stat_replication"),
              "streaming db3");
    EXPECT_EQ(query("db2", "SELECT active FROM pg_replication_slots WHERE slot_name = 'db3'"), "t");
    // Every id db2 had is still there; count what asynchronous replication lost.
    const auto present = ids_on("db2");
    for (int id : reached) EXPECT_EQ(present.count(id), 1u) << "id " << id << " lost";
    std::size_t acked_reached = 0;
    for (int id : acknowledged) acked_reached += reached.count(id);
    const auto lost = lost_on(acknowledged, "db2");
    std::cout << "acknowledged ids: " << acknowledged.size()
              << ", reached db2 before the kill: " << acked_reached
              << ", lost (asynchronous replication): " << lost << "\n";
    EXPECT_GT(acknowledged.size(), 10u);

    // --update-inventory rewrote exactly the two role values.
    const std::string updated = read_local_file(inventory);
    std::string expected = original;
    expected.replace(expected.find("role: primary"), 13, "role: replica");
    expected.replace(expected.find("role: replica", expected.find("name: db2")), 13,
                     "role: primary");
    EXPECT_EQ(updated, expected);

    // The old primary rejoins as a replica of db2; verify is healthy with the stale inventory.
    ASSERT_EQ(run_lab({"start-host", "db1"}).exit_code, 0);
    const ProcessResult rejoin =
        run_pgrepl({"-i", inventory, "setup", "--force", "--limit", "db2,db1"});
    ASSERT_EQ(rejoin.exit_code, 0) << rejoin.describe();
    ASSERT_TRUE(wait_healthy()) << run_pgrepl({"verify"}).describe();
    const ProcessResult verify = run_pgrepl({"verify"});
    EXPECT_TRUE(contains(verify.out, "the live primary is db2")) << verify.out;
    EXPECT_EQ(read_local_file(lab_path("inventory.yaml")), original);
}

TEST(PromoteCleanStop, NothingAcknowledgedIsLost) {
    fresh_cluster();
    Restore restore(wipe_lab);
    Writer writer("db1");
    std::this_thread::sleep_for(2s);
    ASSERT_EQ(lab_shell("db1", "pg_ctlcluster 15 main stop -m fast").exit_code, 0);
    std::this_thread::sleep_for(300ms);  // the writer's last psql fails
    const auto acknowledged = writer.acknowledged();
    const ProcessResult result = run_pgrepl({"promote", "db3"});
    ASSERT_EQ(result.exit_code, 0) << result.describe();
    std::cout << result.out;
    EXPECT_TRUE(contains(result.out, "db1: fenced")) << "a stopped old primary is fenced";
    EXPECT_TRUE(contains(result.out, "db2: streaming from db3")) << result.out;
    const auto lost = lost_on(acknowledged, "db3");
    std::cout << "acknowledged ids: " << acknowledged.size()
              << ", lost after a clean stop: " << lost << "\n";
    EXPECT_GT(acknowledged.size(), 10u);
    EXPECT_EQ(lost, 0u);
    wait_replayed("db2");
    EXPECT_EQ(lost_on(acknowledged, "db2"), 0u);
}

TEST(PromoteCascading, ReplicaBelowThePromotedHostKeepsItsUpstream) {
    Restore restore(wipe_lab);
    wipe_lab();
    TempDir dir;
    const std::string inventory = dir.file("inventory.yaml");
    std::string text = read_local_file(lab_path("inventory.yaml"));
    const auto db3 = text.find("role: replica", text.find("name: db3"));
    ASSERT_NE(db3, std::string::npos) << text;
    text.insert(db3 + 13, "\n    upstream: db2");
    write_local_file(inventory, text);
    const ProcessResult setup = run_pgrepl({"-i", inventory, "setup"});
    ASSERT_EQ(setup.exit_code, 0) << setup.describe();
    ASSERT_EQ(query("db3", "SELECT sender_host FROM pg_stat_wal_receiver"), "10.231.0.12");

    ASSERT_EQ(run_lab({"stop-host", "db1"}).exit_code, 0);
    const ProcessResult result = run_pgrepl({"-i", inventory, "promote", "db2"});
    ASSERT_EQ(result.exit_code, 0) << result.describe();
    std::cout << result.out;
    EXPECT_TRUE(contains(result.out, "db3: replica: ok")) << "db3's settings stay as they are";
    EXPECT_TRUE(contains(result.out, "db3: streaming from db2 on timeline 2")) << result.out;
    EXPECT_EQ(query("db3", "SELECT sender_host || ' ' || received_tli FROM pg_stat_wal_receiver"),
              "10.231.0.12 2");
    EXPECT_EQ(psql("db2", "CREATE TABLE pgrepl_e2e_cascade AS SELECT 1 AS x").exit_code, 0);
    for (int i = 0; i < 50 && query("db3", "SELECT count(*) FROM pgrepl_e2e_cascade") != "1"; ++i)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(query("db3", "SELECT count(*) FROM pgrepl_e2e_cascade"), "1");
}

}  // namespace
}  // namespace pgrepl::e2e
