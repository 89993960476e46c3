// Crash points of `pgrepl switchover` and `pgrepl promote` (issue 13): each command is run once
// to count its mutating remote calls, then for each point N (every one with PGREPL_LONG=1,
// else a fixed sample) it is killed (SIGKILL, by the crash-point test hook) right after its Nth
// mutating call returned, and a re-run of the same command (or setup) must converge: one
// primary, every other live host streaming from it, no acknowledged row lost.
//
// "Acknowledged": for switchover, a writer on db1 runs through the whole run (the switchover
// must lose none of its commits: the old primary is stopped cleanly and its shutdown checkpoint
// reaches the target). For promote, the primary's host dies, and with asynchronous replication
// a commit acknowledged by db1 but not yet sent is lost by design; so the writer stops before
// the failure and both standbys are waited for until they hold every acknowledged row: those
// rows must survive every crash point of the promotion and the re-run.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <set>
#include <string>
#include <thread>

#include "crash_support.hpp"
#include "promote_support.hpp"
#include "setup_support.hpp"
#include "writer.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

/// The lab inventory with db2 as the primary (what an operator writes after the switchover).
std::string write_db2_primary_inventory(const TempDir& dir) {
    std::string yaml = read_local_file(lab_path("inventory.yaml"));
    yaml.replace(yaml.find("role: primary"), 13, "role: replica");
    yaml.replace(yaml.find("role: replica", yaml.find("name: db2")), 13, "role: primary");
    const std::string path = dir.file("db2-primary.yaml");
    write_local_file(path, yaml);
    return path;
}

/// Every point starts from the same state, a 1+2 cluster set up from scratch with db1 the
/// primary (after a first switchover, db1 would keep standby files that a later run need not
/// write again, and the calls would not be the counted ones); false (a problem in `row`) when
/// it cannot be had.
bool fresh_setup(CrashRow& row) {
    wipe_lab();
    const ProcessResult setup = run_pgrepl({"setup"});
    if (setup.exit_code == 0 && wait_healthy()) return true;
    row.problems.push_back("no healthy cluster to start from: " + setup.describe());
    return false;
}

/// The hosts among `hosts` that run as a primary.
std::set<std::string> primaries(const std::vector<std::string>& hosts) {
    std::set<std::string> found;
    for (const auto& host : hosts)
        if (query(host, "SELECT pg_is_in_recovery()") == "f") found.insert(host);
    return found;
}

/// The checks after a re-run: db2 the only primary, `standbys` streaming from it, a table
/// written on db2 read on each of them, none of `acknowledged` missing on db2 and on them.
void check_converged(CrashRow& row, const std::vector<std::string>& live,
                     const std::string& standbys, const std::set<int>& acknowledged) {
    if (primaries(live) != std::set<std::string>{"db2"})
        row.problems.push_back("not exactly one primary (db2)");
    if (const auto seen = wait_for_sql(
            "db2", "SELECT application_name, state FROM pg_stat_replication ORDER BY 1", standbys,
            30);
        seen != standbys)
        row.problems.push_back("streaming from db2: [" + seen + "]");
    const std::string table = "e2e_crash_point_" + std::to_string(row.n);
    if (psql("db2", "CREATE TABLE " + table + " AS SELECT 1 AS one").exit_code != 0)
        row.problems.push_back("db2 does not write");
    if (acknowledged.empty()) row.problems.push_back("no row was acknowledged");
    for (const auto& host : live) {
        if (host != "db2" && wait_for_sql(host, "SELECT one FROM " + table, "1") != "1")
            row.problems.push_back(host + " does not read db2's table");
        if (host != "db2") wait_replayed(host);
        if (const auto lost = lost_on(acknowledged, host); lost > 0)
            row.problems.push_back(host + " lost " + std::to_string(lost) + " acknowledged rows");
    }
}

/// switchover db2 crashed at `n` (0: not crashed) under a writer on db1, then re-run.
CrashRow switchover_point(int n, const std::string& db2_primary, HookedRun& crashed) {
    CrashRow row{"switchover db2", n, "", "", {}};
    if (!fresh_setup(row)) return row;
    Writer writer("db1", WriterTable::Create, 1, "0", "crash-acked-ids");
    std::this_thread::sleep_for(1s);
    crashed = run_hooked({"switchover", "db2"}, n);
    if (n > 0) {
        note_crashed_run(row, crashed);
        const ProcessResult rerun = run_pgrepl({"switchover", "db2"});
        row.rerun = "switchover exit " + std::to_string(rerun.exit_code);
        if (contains(rerun.out, "resume the switchover")) row.rerun += " (resumed)";
        if (contains(rerun.out, "finish the switchover")) row.rerun += " (finished)";
        if (contains(rerun.out, "nothing to do")) row.rerun += " (done)";
        if (rerun.exit_code != 0) {
            std::cout << "switchover crashed at " << n << ", re-run: " << rerun.out << "\n";
            const ProcessResult setup = run_pgrepl({"setup", db2_primary});
            row.rerun += " -> " + setup_summary(setup);
            if (setup.exit_code != 0) row.problems.push_back("re-run and setup failed");
        }
    } else if (crashed.result.exit_code != 0) {
        row.problems.push_back("switchover failed: " + crashed.result.describe());
    }
    std::this_thread::sleep_for(1s);
    writer.stop();
    check_converged(row, kHosts, "db1|streaming\ndb3|streaming", writer.acknowledged());
    return row;
}

TEST(CrashPointsSwitchover, EveryCrashPointConvergesOnAReRun) {
    Restore restore(wipe_lab);
    TempDir dir;
    const std::string db2_primary = write_db2_primary_inventory(dir);
    HookedRun first;
    const CrashRow counted = switchover_point(0, db2_primary, first);
    ASSERT_TRUE(counted.problems.empty()) << counted.problems.front();
    const int total = static_cast<int>(first.calls.size());
    ASSERT_GT(total, 0);
    print_calls("switchover db2 (verify included)", first);
    sweep_crash_points(total, [&](int n) {
        HookedRun crashed;
        return switchover_point(n, db2_primary, crashed);
    });
}

/// db1's host stopped after every acknowledged row reached both standbys, promote db2 crashed
/// at `n` (0: not crashed), then re-run.
CrashRow promote_point(int n, HookedRun& crashed) {
    CrashRow row{"promote db2", n, "", "", {}};
    if (!fresh_setup(row)) return row;
    Writer writer("db1", WriterTable::Create, 1, "0", "crash-acked-ids");
    std::this_thread::sleep_for(1s);
    writer.stop();
    const std::set<int> acknowledged = writer.acknowledged();
    const std::string rows_on_db1 = std::to_string(ids_on("db1").size());
    for (const char* standby : {"db2", "db3"})
        wait_for_sql(standby, "SELECT count(*) FROM pgrepl_e2e_writes", rows_on_db1);
    run_lab({"stop-host", "db1"});
    crashed = run_hooked({"promote", "db2"}, n);
    if (n > 0) {
        note_crashed_run(row, crashed);
        const ProcessResult rerun = run_pgrepl({"promote", "db2"});
        row.rerun = "promote exit " + std::to_string(rerun.exit_code);
        if (rerun.exit_code != 0) {
            std::cout << "promote crashed at " << n << ", re-run: " << rerun.describe() << "\n";
            row.problems.push_back("re-run failed");
        }
    } else if (crashed.result.exit_code != 0) {
        row.problems.push_back("promote failed: " + crashed.result.describe());
    }
    check_converged(row, {"db2", "db3"}, "db3|streaming", acknowledged);
    return row;
}

TEST(CrashPointsPromote, EveryCrashPointConvergesOnAReRun) {
    Restore restore(wipe_lab);
    HookedRun first;
    const CrashRow counted = promote_point(0, first);
    ASSERT_TRUE(counted.problems.empty()) << counted.problems.front();
    const int total = static_cast<int>(first.calls.size());
    ASSERT_GT(total, 0);
    print_calls("promote db2, db1's host down", first);
    sweep_crash_points(total, [](int n) {
        HookedRun crashed;
        return promote_point(n, crashed);
    });
}

}  // namespace
}  // namespace pgrepl::e2e
