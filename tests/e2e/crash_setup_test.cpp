// Crash points of `pgrepl setup` (issue 13): a first setup of 1+2 with archiving on counts its
// mutating remote calls; then for each point N (every one with PGREPL_LONG=1, else a fixed
// sample spread over the range), from bare hosts, setup is killed (SIGKILL, by the crash-point
// test hook) right after its Nth mutating call returned, and a plain re-run (no --force) must
// exit 0 with every replica streaming and a table written on the primary read on every replica;
// verify is healthy and the next run changes nothing.
#include <gtest/gtest.h>

#include <sstream>

#include <iostream>
#include <string>

#include "crash_support.hpp"
#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

/// Setup crashed at `n` from bare hosts, then re-run: what it did and what did not converge.
CrashRow setup_point(const std::string& inventory, int n) {
    CrashRow row{"setup", n, "", "", {}};
    reset_lab();
    const HookedRun crashed = run_hooked({"setup", inventory}, n);
    note_crashed_run(row, crashed);
    const ProcessResult rerun = run_pgrepl({"setup", inventory});
    row.rerun = setup_summary(rerun);
    if (rerun.exit_code != 0) {
        row.problems.push_back("re-run failed");
        std::cout << "setup crashed at " << n << ", re-run: " << rerun.describe() << "\n";
        return row;
    }
    const std::string streaming = "db2|streaming\ndb3|streaming";
    if (wait_for_sql("db1", "SELECT application_name, state FROM pg_stat_replication ORDER BY 1",
                     streaming) != streaming)
        row.problems.push_back("replicas not streaming");
    const std::string table = "e2e_crash_point_" + std::to_string(n);
    if (!host_sql("db1", "CREATE TABLE " + table + " AS SELECT " + std::to_string(n) + " AS n").ok)
        row.problems.push_back("primary does not write");
    for (const char* replica : {"db2", "db3"}) {
        if (wait_for_sql(replica, "SELECT n FROM " + table, std::to_string(n)) != std::to_string(n))
            row.problems.push_back(std::string(replica) + " does not read the table");
    }
    const ProcessResult verify = run_pgrepl({"verify", inventory});
    if (verify.exit_code != 0)
        row.problems.push_back("verify exit " + std::to_string(verify.exit_code));
    const ProcessResult next = run_pgrepl({"setup", inventory});
    const int changed = total_changed(next);
    row.rerun += ", next changed=" + std::to_string(changed);
    if (next.exit_code != 0 || changed != 0) {
        std::string what;  // the steps the next run still changed or failed
        std::istringstream lines(next.out);
        for (std::string line; std::getline(lines, line);) {
            if (line.find("   changed  ") != std::string::npos ||
                line.find("   failed  ") != std::string::npos)
                what += " [" + line.substr(0, 160) + "]";
        }
        row.problems.push_back("next run: exit " + std::to_string(next.exit_code) +
                               " changed=" + std::to_string(changed) + what);
    }
    return row;
}

TEST(CrashPointsSetup, EveryCrashPointConvergesOnAPlainReRun) {
    TempDir dir;
    const std::string inventory = write_archive_inventory(dir);
    reset_lab();
    const HookedRun first = run_hooked({"setup", inventory});
    ASSERT_EQ(first.result.exit_code, 0) << first.result.describe();
    const int total = static_cast<int>(first.calls.size());
    ASSERT_GT(total, 0);
    ASSERT_EQ(first.calls.back().n, total);
    print_calls("setup of 1+2 with archiving", first);
    sweep_crash_points(total, [&](int n) { return setup_point(inventory, n); });
}

}  // namespace
}  // namespace pgrepl::e2e
