// Rejoin: after `pgrepl promote`, the old primary (and a standby that diverged) come back as
// standbys of the new primary with a plain `pgrepl setup`: pg_rewind instead of a re-clone,
// without --force; the WAL the old primary wrote after the fork is reported as discarded.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "lab.hpp"
#include "promote_support.hpp"
#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCount = "SELECT count(*) FROM pgrepl_e2e_rejoin_new";

// A lab inventory in `dir` where db2 is the primary and db1, db3 are its replicas (what
// `promote db2 --update-inventory` writes).
std::string promoted_inventory(const TempDir& dir) {
    const std::string inventory = dir.file("inventory.yaml");
    write_local_file(inventory, read_local_file(lab_path("inventory.yaml")));
    return inventory;
}

// `host` streams from db2 on timeline 2 and has db2's rows.
void expect_streams_from_db2(const std::string& host) {
    EXPECT_EQ(query(host, "SELECT pg_is_in_recovery()"), "t") << host;
    EXPECT_EQ(wait_for_sql(host,
                           "SELECT sender_host || ' ' || status || ' ' || received_tli FROM "
                           "pg_stat_wal_receiver",
                           "10.231.0.12 streaming 2", 30),
              "10.231.0.12 streaming 2")
        << host;
    EXPECT_EQ(wait_for_sql(host, kCount, "3000", 30), "3000") << host;
    EXPECT_EQ(lab_shell(host, "sed -e '/^#/d' -e '/^$/d' /etc/postgresql/15/main/start.conf").out,
              "auto\n")
        << host;
    EXPECT_NE(lab_shell(host, "test -e /etc/postgresql/15/main/pgrepl.fenced").exit_code, 0)
        << host;
}

// The next setup changes nothing on any host.
void expect_no_changes(const std::string& inventory) {
    const ProcessResult again = run_pgrepl({"-i", inventory, "setup"});
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    for (const auto& [host, changed] : recap_changed(again.out))
        EXPECT_EQ(changed, 0) << host << "\n" << again.out;
    EXPECT_EQ(recap_changed(again.out).size(), 3u) << again.out;
}

// Writes on both sides of the fork: db1 commits 5000 rows that db2 never receives (db3 does),
// db2 is promoted with --force (db1 is stopped and fenced, db3 is left: it cannot follow), db2
// takes writes. A plain setup then rewinds db1 (fenced) and db3 (stopped, diverged).
TEST(Rejoin, OldPrimaryAndDivergedStandbyAreRewoundWithoutForce) {
    fresh_cluster();
    Restore restore(wipe_lab);
    TempDir dir;
    const std::string inventory = promoted_inventory(dir);
    ASSERT_NO_FATAL_FAILURE(put_db3_ahead_of_db2("pgrepl_e2e_rejoin_lost"));

    const ProcessResult promoted =
        run_pgrepl({"-i", inventory, "promote", "db2", "--force", "--update-inventory"});
    ASSERT_EQ(promoted.exit_code, 0) << promoted.describe();
    std::cout << promoted.out;
    EXPECT_TRUE(contains(promoted.out, "db1: stopped (fast shutdown) and fenced")) << promoted.out;
    EXPECT_TRUE(contains(promoted.out, "fenced; rejoin: pgrepl setup --limit db2,db1 (pg_rewind)"))
        << promoted.out;
    // db2 forgets the detachment (pg_rewind copies its postgresql.auto.conf) and takes writes.
    ASSERT_EQ(
        psql("db2", "ALTER SYSTEM RESET primary_conninfo; SELECT pg_reload_conf();").exit_code, 0);
    ASSERT_EQ(
        psql("db2", "CREATE TABLE pgrepl_e2e_rejoin_new AS SELECT generate_series(1, 3000) i;")
            .exit_code,
        0);
    // db3 (diverged: it has db1's rows) is stopped, as after a reboot.
    ASSERT_EQ(lab_shell("db3", "pg_ctlcluster 15 main stop").exit_code, 0);

    // --check says what it would do and changes nothing.
    const ProcessResult check = run_pgrepl({"-i", inventory, "setup", "--check"});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_TRUE(contains(check.out,
                         "rewind the fenced old primary with pg_rewind onto db2's "
                         "timeline 2 (forked from timeline 1 at"))
        << check.out;
    EXPECT_TRUE(contains(check.out, "rewind the stopped standby with pg_rewind")) << check.out;
    EXPECT_EQ(lab_shell("db1", "grep -v '^#' /etc/postgresql/15/main/start.conf").out,
              "disabled\n");

    const ProcessResult rejoin = run_pgrepl({"-i", inventory, "setup"});
    ASSERT_EQ(rejoin.exit_code, 0) << rejoin.describe();
    std::cout << rejoin.out << rejoin.err;
    EXPECT_TRUE(contains(rejoin.out, "byte(s) of WAL after it")) << rejoin.out;
    EXPECT_TRUE(contains(rejoin.err, "db1: replica: pg_rewind: diverged from db2 at"))
        << rejoin.err;
    EXPECT_TRUE(contains(rejoin.err, "db3: replica: pg_rewind: diverged from db2 at"))
        << rejoin.err;
    EXPECT_TRUE(contains(rejoin.err, "of WAL after the fork")) << rejoin.err;
    EXPECT_FALSE(contains(rejoin.out, "pg_basebackup")) << rejoin.out;
    for (const char* host : {"db1", "db3"}) {
        expect_streams_from_db2(host);
        // What only db1 had (db3 received it) is gone: the rows after the fork were discarded.
        EXPECT_EQ(query(host, "SELECT to_regclass('pgrepl_e2e_rejoin_lost') IS NULL"), "t") << host;
    }
    ASSERT_TRUE(wait_healthy()) << run_pgrepl({"-i", inventory, "verify"}).describe();
    const ProcessResult verify = run_pgrepl({"-i", inventory, "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.describe();
    EXPECT_TRUE(contains(verify.out, "healthy: primary db2, 2 standby(s) streaming")) << verify.out;
    expect_no_changes(inventory);
}

// A crashed old primary (its postmaster killed with SIGKILL): promote fences it (it is
// reachable but stopped), setup brings it to a clean shutdown (single-user crash recovery with
// standby.signal set aside), rewinds it and starts it as a standby of db2.
TEST(Rejoin, CrashedOldPrimaryIsRecoveredAndRewound) {
    fresh_cluster();
    Restore restore(wipe_lab);
    TempDir dir;
    const std::string inventory = promoted_inventory(dir);
    ASSERT_EQ(psql("db1",
                   "CREATE TABLE pgrepl_e2e_rejoin_before AS SELECT generate_series(1, "
                   "1000) i;")
                  .exit_code,
              0);
    for (const char* host : {"db2", "db3"}) {
        ASSERT_EQ(wait_for_sql(host, "SELECT count(*) FROM pgrepl_e2e_rejoin_before", "1000", 30),
                  "1000");
    }
    ASSERT_EQ(lab_shell("db1",
                        "kill -KILL \"$(head -n 1 /var/lib/postgresql/15/main/"
                        "postmaster.pid)\"")
                  .exit_code,
              0);
    // Its backends notice the postmaster's death and exit; the standbys lose their sender.
    for (int i = 0; i < 50 && lab_shell("db1", "pgrep -u postgres postgres").exit_code == 0; ++i)
        std::this_thread::sleep_for(100ms);
    ASSERT_NE(lab_shell("db1", "pgrep -u postgres postgres").exit_code, 0);
    EXPECT_TRUE(contains(lab_shell("db1",
                                   "LC_ALL=C /usr/lib/postgresql/15/bin/pg_controldata "
                                   "/var/lib/postgresql/15/main")
                             .out,
                         "in production"));

    const ProcessResult promoted =
        run_pgrepl({"-i", inventory, "promote", "db2", "--update-inventory"});
    ASSERT_EQ(promoted.exit_code, 0) << promoted.describe();
    std::cout << promoted.out;
    ASSERT_EQ(
        psql("db2", "CREATE TABLE pgrepl_e2e_rejoin_new AS SELECT generate_series(1, 3000) i;")
            .exit_code,
        0);

    const ProcessResult rejoin = run_pgrepl({"-i", inventory, "setup", "--limit", "db2,db1"});
    ASSERT_EQ(rejoin.exit_code, 0) << rejoin.describe();
    std::cout << rejoin.out << rejoin.err;
    EXPECT_TRUE(contains(rejoin.out,
                         "rewind the fenced old primary with pg_rewind onto db2's "
                         "timeline 2 (state: in production: brought to a clean "
                         "shutdown first)"))
        << rejoin.out;
    EXPECT_TRUE(contains(rejoin.err, "db1: replica: crash recovery done")) << rejoin.err;
    EXPECT_TRUE(contains(rejoin.err, "db1: replica: pg_rewind: ")) << rejoin.err;
    expect_streams_from_db2("db1");
    EXPECT_EQ(query("db1", "SELECT count(*) FROM pgrepl_e2e_rejoin_before"), "1000");
    ASSERT_TRUE(wait_healthy()) << run_pgrepl({"-i", inventory, "verify"}).describe();
    expect_no_changes(inventory);
}

// The WAL that pg_rewind must read on the old primary (from the last common checkpoint on) was
// recycled there, but it is in the archive: pg_rewind --restore-target-wal fetches it with the
// standby's restore_command. db2's receiver and restore_command are off while db1 writes, so
// db2 forks before what db1 then archived; two hosts, the archive on db3 (no PostgreSQL).
TEST(RejoinArchive, WalOnlyInTheArchiveIsRestoredForTheRewind) {
    reset_lab();
    Restore restore(wipe_lab);
    TempDir dir;
    const std::string inventory = write_archive_inventory(
        dir, "  slots: false\n",
        "  settings:\n    wal_keep_size: '0'\n    max_wal_size: 64MB\n    min_wal_size: 32MB\n",
        "10.231.0.13", 22, 2);
    const ProcessResult first = run_pgrepl({"-i", inventory, "setup"});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    ASSERT_EQ(psql("db1", "CREATE TABLE pgrepl_e2e_rejoin_base AS SELECT 1 AS x;").exit_code, 0);
    ASSERT_EQ(wait_for_sql("db2", "SELECT count(*) FROM pgrepl_e2e_rejoin_base", "1", 30), "1");
    // db2 hears nothing more, from db1 nor from the archive.
    ASSERT_EQ(psql("db2",
                   "ALTER SYSTEM SET primary_conninfo = ''; ALTER SYSTEM SET restore_command = "
                   "'/bin/false'; SELECT pg_reload_conf();")
                  .exit_code,
              0);
    std::this_thread::sleep_for(1s);
    const std::string fork_segment = query("db1", "SELECT pg_walfile_name(pg_current_wal_lsn())");
    ASSERT_EQ(fork_segment.size(), 24u) << fork_segment;
    // db1 writes over several segments, each archived, and recycles them with checkpoints.
    ASSERT_EQ(psql("db1", "CREATE TABLE pgrepl_e2e_rejoin_lost(i int);").exit_code, 0);
    std::string last;
    for (int i = 0; i < 6; ++i) {
        ASSERT_EQ(psql("db1", "INSERT INTO pgrepl_e2e_rejoin_lost SELECT generate_series(1, 1000);")
                      .exit_code,
                  0);
        last = query("db1", "SELECT pg_walfile_name(pg_switch_wal())");
    }
    ASSERT_EQ(wait_for_sql("db1", "SELECT last_archived_wal FROM pg_stat_archiver", last, 30),
              last);
    ASSERT_EQ(psql("db1", "CHECKPOINT;").exit_code, 0);
    query("db1", "SELECT pg_switch_wal()");
    ASSERT_EQ(psql("db1", "CHECKPOINT;").exit_code, 0);
    ASSERT_EQ(lab_shell("db1", "test -e /var/lib/postgresql/15/main/pg_wal/" + fork_segment +
                                   " && echo kept || echo recycled")
                  .out,
              "recycled\n")
        << "db1 still has " << fork_segment << ": the test would prove nothing";
    ASSERT_EQ(
        lab_shell("db3", std::string("test -s ") + kLabArchiveDir + "/" + fork_segment).exit_code,
        0)
        << fork_segment << " is not in the archive";

    const ProcessResult promoted =
        run_pgrepl({"-i", inventory, "promote", "db2", "--force", "--update-inventory"});
    ASSERT_EQ(promoted.exit_code, 0) << promoted.describe();
    std::cout << promoted.out;
    ASSERT_EQ(psql("db2",
                   "ALTER SYSTEM RESET primary_conninfo; ALTER SYSTEM RESET restore_command; "
                   "SELECT pg_reload_conf();")
                  .exit_code,
              0);
    ASSERT_EQ(
        psql("db2", "CREATE TABLE pgrepl_e2e_rejoin_new AS SELECT generate_series(1, 3000) i;")
            .exit_code,
        0);

    const ProcessResult rejoin = run_pgrepl({"-i", inventory, "-v", "setup"});
    ASSERT_EQ(rejoin.exit_code, 0) << rejoin.describe();
    std::cout << rejoin.out;
    EXPECT_TRUE(contains(rejoin.out, "rewind the fenced old primary with pg_rewind")) << rejoin.out;
    EXPECT_TRUE(contains(rejoin.err, "db1: replica: pg_rewind: diverged from db2 at"))
        << rejoin.err;
    EXPECT_EQ(query("db1", "SELECT pg_is_in_recovery()"), "t");
    EXPECT_EQ(wait_for_sql("db1", kCount, "3000", 30), "3000");
    EXPECT_EQ(query("db1", "SELECT to_regclass('pgrepl_e2e_rejoin_lost') IS NULL"), "t");
    const ProcessResult again = run_pgrepl({"-i", inventory, "setup"});
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    for (const auto& [host, changed] : recap_changed(again.out))
        EXPECT_EQ(changed, 0) << host << "\n" << again.out;
}

}  // namespace
}  // namespace pgrepl::e2e
