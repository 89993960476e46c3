// Restart-needing settings in the inventory (shared_buffers, max_connections): a first setup
// applies them in one run; raising and lowering max_connections, a hot-standby parameter,
// restarts each host once in the order that keeps every standby replaying (standbys first when
// it rises, the primary first when it falls), and the next run changes and restarts nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

const char* const kHosts[] = {"db1", "db2", "db3"};

std::string postgres_block(int max_connections) {
    return "postgres:\n  version: 15\n  settings:\n    shared_buffers: 64MB\n"
           "    max_connections: " +
           std::to_string(max_connections) + "\n";
}

// How many times the host's server has started (the lines of its log that say it is ready).
int starts(const std::string& host) {
    auto counted = lab_shell(host,
                             "grep -c 'database system is ready to accept' "
                             "/var/log/postgresql/postgresql-15-main.log || true");
    return std::atoi(counted.out.c_str());
}

std::map<std::string, int> all_starts() {
    std::map<std::string, int> counts;
    for (const char* host : kHosts) counts[host] = starts(host);
    return counts;
}

std::map<std::string, std::string> start_times() {
    std::map<std::string, std::string> times;
    for (const char* host : kHosts)
        times[host] = host_sql(host, "SELECT pg_postmaster_start_time()").out;
    return times;
}

void expect_in_effect(int max_connections) {
    for (const char* host : kHosts) {
        EXPECT_EQ(host_sql(host, "SHOW shared_buffers").out, "64MB") << host;
        EXPECT_EQ(host_sql(host, "SHOW max_connections").out, std::to_string(max_connections))
            << host;
    }
}

void expect_streaming() {
    EXPECT_EQ(
        wait_for_sql(
            "db1",
            "SELECT string_agg(application_name || ':' || state, ',' ORDER BY application_name) "
            "FROM pg_stat_replication",
            "db2:streaming,db3:streaming", 20),
        "db2:streaming,db3:streaming");
}

// Runs setup while another thread watches the standbys: every answer of
// pg_get_wal_replay_pause_state() other than 'not paused' is recorded.
struct WatchedRun {
    ProcessResult result;
    std::set<std::string> pauses;  // "db2: paused", ...
};

WatchedRun setup_watched(const std::string& inventory) {
    WatchedRun run;
    std::atomic<bool> done{false};
    std::mutex mutex;
    std::thread watcher([&] {
        while (!done) {
            for (const char* host : {"db2", "db3"}) {
                auto state = host_sql(host, "SELECT pg_get_wal_replay_pause_state()");
                if (state.ok && state.out != "not paused") {
                    std::lock_guard lock(mutex);
                    run.pauses.insert(std::string(host) + ": " + state.out);
                }
            }
        }
    });
    run.result = run_pgrepl({"setup", inventory});
    done = true;
    watcher.join();
    return run;
}

// No standby logged that the primary's parameters were too high for it.
void expect_no_insufficient_parameters() {
    for (const char* host : {"db2", "db3"}) {
        auto found = lab_shell(host,
                               "grep -h 'insufficient parameter settings' "
                               "/var/log/postgresql/postgresql-15-main.log || true");
        EXPECT_EQ(found.out, "") << host;
    }
}

void expect_no_op(const std::string& inventory) {
    const auto before_starts = all_starts();
    const auto before = start_times();
    auto again = run_pgrepl({"setup", inventory});
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    for (const auto& [host, changed] : recap_changed(again.out))
        EXPECT_EQ(changed, 0) << host << "\n" << again.out;
    EXPECT_EQ(start_times(), before) << "a no-op setup must restart nothing";
    EXPECT_EQ(all_starts(), before_starts);
}

TEST(SetupRestartSettings, AppliedInOneRunThenRaisedAndLoweredWithoutStoppingReplay) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir, "root", postgres_block(100));

    // --check on bare hosts: the primary starts once, with its settings (no restart).
    auto plan = run_pgrepl({"setup", "--check", inventory});
    ASSERT_EQ(plan.exit_code, 0) << plan.describe();
    EXPECT_TRUE(std::regex_search(plan.out, std::regex("db1 +restart +would change start "
                                                       "PostgreSQL for the first time")))
        << plan.out;

    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    expect_in_effect(100);
    expect_streaming();
    expect_no_op(inventory);

    // Raise: the standbys restart first, then the primary; nothing pauses replay.
    write_inventory(dir, "root", postgres_block(200));
    auto raise_plan = run_pgrepl({"setup", "--check", inventory});
    ASSERT_EQ(raise_plan.exit_code, 0) << raise_plan.describe();
    for (const char* host : kHosts) {
        EXPECT_TRUE(std::regex_search(
            raise_plan.out, std::regex(std::string(host) + " +restart +would change restart "
                                                           "PostgreSQL to apply max_connections")))
            << host << " --check must name the restart:\n"
            << raise_plan.out;
    }
    auto before = all_starts();
    auto raised = setup_watched(inventory);
    ASSERT_EQ(raised.result.exit_code, 0) << raised.result.describe();
    EXPECT_TRUE(raised.pauses.empty()) << *raised.pauses.begin();
    auto after = all_starts();
    for (const char* host : kHosts) EXPECT_EQ(after[host], before[host] + 1) << host;
    auto times = start_times();
    EXPECT_LT(times["db2"], times["db1"]) << "a standby restarts before the primary on a rise";
    EXPECT_LT(times["db3"], times["db1"]) << "a standby restarts before the primary on a rise";
    expect_in_effect(200);
    expect_streaming();
    expect_no_op(inventory);

    // Lower: the primary first, then the standbys.
    write_inventory(dir, "root", postgres_block(150));
    before = all_starts();
    auto lowered = setup_watched(inventory);
    ASSERT_EQ(lowered.result.exit_code, 0) << lowered.result.describe();
    EXPECT_TRUE(lowered.pauses.empty()) << *lowered.pauses.begin();
    after = all_starts();
    for (const char* host : kHosts) EXPECT_EQ(after[host], before[host] + 1) << host;
    times = start_times();
    EXPECT_LT(times["db1"], times["db2"]) << "the primary restarts first on a fall";
    EXPECT_LT(times["db1"], times["db3"]) << "the primary restarts first on a fall";
    expect_in_effect(150);
    expect_streaming();
    expect_no_insufficient_parameters();
    expect_no_op(inventory);

    // A real override stays a conflict naming the file and line, before and after a restart.
    ASSERT_TRUE(host_sql("db1", "ALTER SYSTEM SET shared_buffers = '32MB'").ok);
    auto overridden = run_pgrepl({"setup", inventory});
    EXPECT_EQ(overridden.exit_code, 1) << overridden.describe();
    EXPECT_NE(overridden.err.find("shared_buffers is set in "
                                  "/var/lib/postgresql/15/main/postgresql.auto.conf:3"),
              std::string::npos)
        << overridden.describe();
    ASSERT_EQ(lab_shell("db1", "pg_ctlcluster 15 main restart").exit_code, 0);
    overridden = run_pgrepl({"setup", inventory});
    EXPECT_EQ(overridden.exit_code, 1) << overridden.describe();
    EXPECT_NE(overridden.err.find("postgresql.auto.conf:3"), std::string::npos)
        << overridden.describe();
    ASSERT_TRUE(host_sql("db1", "ALTER SYSTEM RESET shared_buffers").ok);
}

}  // namespace
}  // namespace pgrepl::e2e
