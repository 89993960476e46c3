// pgrepl switchover on the lab (1 primary + 2 standbys): the preconditions and the plan (every
// refusal exits 3 and changes nothing: each host's role, start time and fence files as before;
// --check on a healthy cluster shows the plan), a switchover to db2 and back under a write load
// with no acknowledged row lost, and the abort when the target does not catch up.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "lab.hpp"
#include "promote_support.hpp"
#include "setup_support.hpp"
#include "writer.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

/// The "writes were unavailable for X" of a switchover's output, for the test log.
std::string unavailable_window(const std::string& out) {
    std::smatch match;
    static const std::regex pattern("writes were unavailable for ([0-9.]+ m?s)");
    return std::regex_search(out, match, pattern) ? match[1].str() : "?";
}

void expect_switched(const ProcessResult& result, const std::string& to, const std::string& from,
                     const std::string& sibling) {
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_TRUE(contains(result.out, from + ": stopped (fast shutdown; cluster state: shut down"))
        << result.out;
    EXPECT_TRUE(
        contains(result.out, to + ": received and replayed " + from + "'s shutdown checkpoint"))
        << result.out;
    EXPECT_TRUE(contains(result.out, to + ": promoted: accepts writes on timeline")) << result.out;
    EXPECT_TRUE(contains(result.out, from + ": streaming from " + to)) << result.out;
    EXPECT_TRUE(contains(result.out, sibling + ": streaming from " + to)) << result.out;
    EXPECT_TRUE(contains(result.out, "done: " + to + " is the primary")) << result.out;
    EXPECT_TRUE(contains(result.out, "lost: 0")) << result.out;
    EXPECT_TRUE(contains(result.out, "healthy: primary " + to + ", 2 standby(s) streaming"))
        << result.out;
    std::cout << "switchover " << from << " -> " << to << ": writes unavailable for "
              << unavailable_window(result.out) << '\n';
}

TEST(SwitchoverRefusals, HealthyClusterShowsThePlanAndChangesNothing) {
    fresh_cluster();
    const std::string before = cluster_fingerprint();
    const ProcessResult check = run_pgrepl({"switchover", "db2", "--check"});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_TRUE(contains(check.out, "plan: switch over from db1 to db2")) << check.out;
    EXPECT_TRUE(contains(check.out, "db3 follow db2 (slots created there first)")) << check.out;
    EXPECT_TRUE(contains(check.out, "check: nothing was changed")) << check.out;
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

TEST(SwitchoverRefusals, TheCurrentPrimaryHasNothingToDoAnUnknownHostIsUsage) {
    fresh_cluster();
    const std::string before = cluster_fingerprint();
    ProcessResult result = run_pgrepl({"switchover", "db1"});
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_TRUE(contains(result.out,
                         "done: db1 already is the primary and every other host "
                         "streams in its topology (db2 from db1, db3 from db1): "
                         "nothing to do"))
        << result.out;
    result = run_pgrepl({"switchover", "db9", "--check"});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_TRUE(contains(result.out, "db9 is not a host of the inventory")) << result.out;
    EXPECT_EQ(cluster_fingerprint(), before);
}

TEST(SwitchoverRefusals, TargetPgHbaLacksAReplicationRule) {
    fresh_cluster();
    // db2's pg_hba.conf loses db3's replication rule (any column padding): db3 could not
    // stream from db2.
    const std::string entry =
        "^host[[:space:]]+replication[[:space:]]+replicator[[:space:]]+"
        "10\\.231\\.0\\.13/32[[:space:]]";
    Restore restore([] {
        const ProcessResult setup = run_pgrepl({"setup"});
        EXPECT_EQ(setup.exit_code, 0) << setup.describe();
    });
    ASSERT_EQ(lab_shell("db2", "sed -i -E '\\#" + entry +
                                   "#d' /etc/postgresql/15/main/pg_hba.conf && ! grep -Eq '" +
                                   entry + "' /etc/postgresql/15/main/pg_hba.conf")
                  .exit_code,
              0);
    const std::string before = cluster_fingerprint();
    const ProcessResult result = run_pgrepl({"switchover", "db2"});
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(contains(result.out,
                         "refused: pg_hba.conf on db2 lacks 1 replication rule(s) "
                         "that db1 has (host replicator 10.231.0.13 "))
        << result.out;
    EXPECT_TRUE(contains(result.out, "hint: run pgrepl setup")) << result.out;
    EXPECT_EQ(cluster_fingerprint(), before);
}

// ---- the sequence -----------------------------------------------------------------------------

TEST(Switchover, ToDb2AndBackUnderLoadLosesNothing) {
    fresh_cluster();
    // Two writers, an INSERT every 10 ms each: db1's succeed while it is the primary, db2's
    // once it is; both record the ids whose commit was acknowledged.
    Writer on_db1("db1", WriterTable::Create, 1, "0.01", "switchover-acked-db1");
    wait_replayed("db2");
    Writer on_db2("db2", WriterTable::Keep, 1000001, "0.01", "switchover-acked-db2");
    Restore stop_writers([&] {
        on_db1.stop();
        on_db2.stop();
    });
    std::this_thread::sleep_for(1s);

    const ProcessResult there = run_pgrepl({"switchover", "db2"});
    expect_switched(there, "db2", "db1", "db3");
    EXPECT_TRUE(contains(there.out, "inventory.yaml:")) << "stale role lines are listed";
    std::this_thread::sleep_for(1s);
    const ProcessResult back = run_pgrepl({"switchover", "db1"});
    expect_switched(back, "db1", "db2", "db3");
    EXPECT_TRUE(contains(back.out, "inventory: up to date with the new topology")) << back.out;
    std::this_thread::sleep_for(500ms);
    on_db1.stop();
    on_db2.stop();

    std::set<int> acknowledged = on_db1.acknowledged();
    const std::set<int> by_db2 = on_db2.acknowledged();
    EXPECT_GT(acknowledged.size(), 20u);
    EXPECT_GT(by_db2.size(), 5u) << "db2 took writes while it was the primary";
    acknowledged.insert(by_db2.begin(), by_db2.end());
    EXPECT_EQ(lost_on(acknowledged, "db1"), 0u);
    for (const std::string host : {"db2", "db3"}) {
        wait_replayed(host);
        EXPECT_EQ(lost_on(acknowledged, host), 0u) << host;
    }
    // Back where it started: setup changes nothing.
    const ProcessResult setup = run_pgrepl({"setup"});
    EXPECT_EQ(setup.exit_code, 0) << setup.describe();
    for (const auto& [host, changed] : recap_changed(setup.out))
        EXPECT_EQ(changed, 0) << host << "\n" << setup.out;
}

TEST(Switchover, AbortsWhenTheTargetDoesNotCatchUp) {
    fresh_cluster();
    // db2's WAL receiver hangs (SIGSTOP): it still shows as streaming, but receives nothing.
    // db1's WAL sender gives up on it after wal_sender_timeout (3 s here instead of 60 s).
    ASSERT_EQ(psql("db1", "ALTER SYSTEM SET wal_sender_timeout = '3s'; SELECT pg_reload_conf();")
                  .exit_code,
              0);
    const std::string receiver = query("db2", "SELECT pid FROM pg_stat_wal_receiver");
    ASSERT_FALSE(receiver.empty());
    Restore restore([receiver] {
        lab_shell("db2", "kill -CONT " + receiver);
        psql("db1", "ALTER SYSTEM RESET wal_sender_timeout; SELECT pg_reload_conf();");
        EXPECT_TRUE(wait_healthy());
    });
    ASSERT_EQ(psql("db1",
                   "CREATE TABLE IF NOT EXISTS pgrepl_e2e_abort(id int); "
                   "INSERT INTO pgrepl_e2e_abort VALUES (1);")
                  .exit_code,
              0);
    wait_replayed("db2");
    ASSERT_EQ(lab_shell("db2", "kill -STOP " + receiver).exit_code, 0);
    std::this_thread::sleep_for(4s);
    ASSERT_EQ(psql("db1", "INSERT INTO pgrepl_e2e_abort VALUES (2);").exit_code, 0);

    const ProcessResult result = run_pgrepl({"switchover", "db2", "--timeout", "2"});
    EXPECT_EQ(result.exit_code, 1) << result.describe();
    EXPECT_TRUE(contains(result.out, "abort: db2 did not reach db1's shutdown checkpoint"))
        << result.out;
    EXPECT_TRUE(contains(result.out, "db1: started again as the primary")) << result.out;
    EXPECT_TRUE(contains(result.out, "nothing was lost; db1 is the primary, db2 its standby"))
        << result.out;
    EXPECT_EQ(query("db1", "SELECT pg_is_in_recovery()"), "f");
    EXPECT_EQ(query("db1", "SELECT count(*) FROM pgrepl_e2e_abort"), "2");
    EXPECT_EQ(query("db2", "SELECT pg_is_in_recovery()"), "t");
    EXPECT_EQ(lab_shell("db1", "test -f /var/lib/postgresql/15/main/standby.signal").exit_code, 1);
    // The receiver wakes up and catches up with db1 again.
    lab_shell("db2", "kill -CONT " + receiver);
    EXPECT_TRUE(wait_healthy());
    EXPECT_EQ(wait_for_sql("db2", "SELECT count(*) FROM pgrepl_e2e_abort", "2"), "2");
    psql("db1", "DROP TABLE pgrepl_e2e_abort;");
}

// A sudo user (not root), another port and cluster name, and --update-inventory both ways on
// an inventory of its own: the file says who the primary is after each run, setup then
// changes nothing.
TEST(Switchover, SudoUserOtherPortAndClusterNameWithUpdateInventory) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(
        dir, "pgrepl-op", "postgres:\n  version: 15\n  cluster_name: app\n  port: 5433\n");
    const ProcessResult setup = run_pgrepl({"setup", inventory});
    ASSERT_EQ(setup.exit_code, 0) << setup.describe();
    ASSERT_EQ(wait_for_sql("db1", "SELECT count(*) FROM pg_stat_replication", "2", 30, 5433), "2");

    const ProcessResult there =
        run_pgrepl({"switchover", "db2", "--update-inventory", "-i", inventory});
    expect_switched(there, "db2", "db1", "db3");
    EXPECT_TRUE(contains(there.out, "--update-inventory: rewrote 2 role value(s)")) << there.out;
    EXPECT_TRUE(contains(read_local_file(inventory), "role: primary"))
        << read_local_file(inventory);
    // A re-run has nothing to do; on an inventory that still names db1 the primary (a run
    // killed before its step 6), --update-inventory rewrites its roles all the same.
    TempDir stale_dir;
    const auto stale = write_inventory(
        stale_dir, "pgrepl-op", "postgres:\n  version: 15\n  cluster_name: app\n  port: 5433\n");
    const ProcessResult done = run_pgrepl({"switchover", "db2", "--update-inventory", "-i", stale});
    EXPECT_EQ(done.exit_code, 0) << done.describe();
    EXPECT_TRUE(contains(done.out, "done: db2 already is the primary")) << done.out;
    EXPECT_TRUE(contains(done.out, "--update-inventory: rewrote 2 role value(s)")) << done.out;
    EXPECT_EQ(read_local_file(stale), read_local_file(inventory));
    const ProcessResult back =
        run_pgrepl({"switchover", "db1", "--update-inventory", "-i", inventory});
    expect_switched(back, "db1", "db2", "db3");
    EXPECT_TRUE(contains(back.out, "--update-inventory: rewrote 2 role value(s)")) << back.out;
    const ProcessResult again = run_pgrepl({"setup", inventory});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    for (const auto& [host, changed] : recap_changed(again.out)) EXPECT_EQ(changed, 0) << host;
    reset_lab();
}

// A run killed after it stopped the primary (while it waits for the target) leaves the primary
// stopped with standby.signal and switchover's marker; the next plain run resumes it.
TEST(Switchover, KilledAfterTheStopIsResumedByThePlainReRun) {
    fresh_cluster();
    Restore restore([] {
        psql("db2", "ALTER SYSTEM RESET recovery_min_apply_delay; SELECT pg_reload_conf();");
        psql("db1", "DROP TABLE IF EXISTS pgrepl_e2e_resume;");
    });
    // db2 receives everything but holds the replay of a commit for 60 s: the run waits.
    ASSERT_EQ(psql("db2",
                   "ALTER SYSTEM SET recovery_min_apply_delay = '60s'; "
                   "SELECT pg_reload_conf();")
                  .exit_code,
              0);
    std::this_thread::sleep_for(500ms);
    ASSERT_EQ(psql("db1",
                   "CREATE TABLE pgrepl_e2e_resume(id int); "
                   "INSERT INTO pgrepl_e2e_resume VALUES (1);")
                  .exit_code,
              0);
    auto run = start_pgrepl({"switchover", "db2", "--timeout", "60"});
    ASSERT_TRUE(run->wait_for_output("standby.signal written", 60s)) << run->wait().describe();
    std::this_thread::sleep_for(300ms);
    run->send(SIGKILL);
    EXPECT_EQ(run->wait().exit_code, 128 + SIGKILL);
    EXPECT_EQ(lab_shell("db1",
                        "test -f /var/lib/postgresql/15/main/standby.signal && "
                        "test -f /etc/postgresql/15/main/pgrepl.switchover && "
                        "! pg_lsclusters -h | grep -q online")
                  .exit_code,
              0);
    EXPECT_EQ(query("db2", "SELECT pg_is_in_recovery()"), "t");
    ASSERT_EQ(psql("db2", "ALTER SYSTEM RESET recovery_min_apply_delay; SELECT pg_reload_conf();")
                  .exit_code,
              0);

    const ProcessResult resumed = run_pgrepl({"switchover", "db2"});
    EXPECT_TRUE(contains(resumed.out, "resume the switchover from db1 to db2")) << resumed.out;
    EXPECT_TRUE(contains(resumed.out, "db1: stopped already by the resumed run")) << resumed.out;
    EXPECT_EQ(resumed.exit_code, 0) << resumed.describe();
    EXPECT_TRUE(contains(resumed.out, "db1: streaming from db2")) << resumed.out;
    EXPECT_TRUE(contains(resumed.out, "healthy: primary db2, 2 standby(s) streaming"))
        << resumed.out;
    EXPECT_EQ(lab_shell("db1", "test -f /etc/postgresql/15/main/pgrepl.switchover").exit_code, 1)
        << "the marker is gone once db1 follows db2";
    EXPECT_EQ(query("db2", "SELECT count(*) FROM pgrepl_e2e_resume"), "1");
    const ProcessResult back = run_pgrepl({"switchover", "db1"});
    EXPECT_EQ(back.exit_code, 0) << back.describe();
}

// A run killed right after the promotion: db2 leads, db1 is stopped with the marker naming db2
// (or starting as its standby), db3 still points at db1. The plain re-run finishes the
// switchover (db1 and db3 follow db2); a re-run after that is refused, the switchover done.
TEST(Switchover, KilledAfterThePromotionIsFinishedByThePlainReRun) {
    fresh_cluster();
    auto run = start_pgrepl({"switchover", "db2"});
    ASSERT_TRUE(run->wait_for_output("promoted: accepts writes", 60s)) << run->wait().describe();
    run->send(SIGKILL);
    EXPECT_EQ(run->wait().exit_code, 128 + SIGKILL);
    EXPECT_EQ(query("db2", "SELECT pg_is_in_recovery()"), "f");
    EXPECT_EQ(lab_shell("db1", "test -f /etc/postgresql/15/main/pgrepl.switchover").exit_code, 0);

    const ProcessResult check = run_pgrepl({"switchover", "db2", "--check"});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_TRUE(contains(check.out, "plan: finish the switchover from db1 to db2")) << check.out;
    EXPECT_TRUE(contains(check.out, "db2 runs as the primary already (promoted)")) << check.out;

    const ProcessResult finished = run_pgrepl({"switchover", "db2"});
    EXPECT_EQ(finished.exit_code, 0) << finished.describe();
    EXPECT_TRUE(contains(finished.out, "decided: finish the switchover from db1 to db2"))
        << finished.out;
    EXPECT_TRUE(contains(finished.out, "db1: streaming from db2")) << finished.out;
    EXPECT_TRUE(contains(finished.out, "this run finished the switchover")) << finished.out;
    EXPECT_TRUE(contains(finished.out, "healthy: primary db2, 2 standby(s) streaming"))
        << finished.out;
    EXPECT_EQ(lab_shell("db1", "test -f /etc/postgresql/15/main/pgrepl.switchover").exit_code, 1)
        << "the marker is gone once db1 follows db2";
    const ProcessResult again = run_pgrepl({"switchover", "db2", "--check"});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    EXPECT_TRUE(contains(again.out, "done: db2 already is the primary")) << again.out;
    const ProcessResult plain = run_pgrepl({"switchover", "db2", "--json"});
    EXPECT_EQ(plain.exit_code, 0) << plain.describe();
    EXPECT_TRUE(contains(plain.out, "\"outcome\": \"done\"")) << plain.out;
    const ProcessResult back = run_pgrepl({"switchover", "db1"});
    EXPECT_EQ(back.exit_code, 0) << back.describe();
}

}  // namespace
}  // namespace pgrepl::e2e
