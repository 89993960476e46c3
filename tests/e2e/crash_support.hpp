// Helpers of the crash-point sweeps (crash_setup_test.cpp, crash_role_test.cpp): pgrepl run
// with the crash-point test hook (exec/crash_point.hpp) on, the points to try, and the table of
// what each re-run did.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lab.hpp"

namespace pgrepl::e2e {

/// One mutating remote call of a run, as the hook's mutation log records it.
struct MutatingCall {
    int n = 0;            ///< its number in the run (1-based)
    std::string host;     ///< the host it went to
    std::string purpose;  ///< its purpose ("write /etc/...", "pg_ctlcluster start", ...)
};

/// A pgrepl run with the hook on, and the mutating calls it logged.
struct HookedRun {
    ProcessResult result;             ///< what the process did (137 when the hook killed it)
    std::vector<MutatingCall> calls;  ///< every mutating call, in their numbers' order
    /// The Nth call as "host: purpose", or "-" when the run made fewer.
    std::string call(int n) const;
};

/// Runs pgrepl with these arguments, logging its mutating calls; `crash_after` > 0 also has it
/// killed (SIGKILL) right after that call returned.
HookedRun run_hooked(const std::vector<std::string>& args, int crash_after = 0);

/// The crash points to try out of 1..`total`: all of them when PGREPL_LONG=1 (scripts/test
/// --long, bench/crashpoints), else a fixed sample of `sample` points spread over the range,
/// the first and the last included. PGREPL_CRASH_POINTS (a comma-separated list of N and
/// FROM-TO, "2-20,30") tries only those points: a full sweep run in chunks.
std::vector<int> crash_points_to_try(int total, int sample = 3);

/// One row of the table: a command crashed at N, and what the re-run did.
struct CrashRow {
    std::string command;                ///< "setup", "switchover db2", "promote db2"
    int n = 0;                          ///< the crash point
    std::string call;                   ///< the Nth call, "host: purpose"
    std::string rerun;                  ///< what the re-run did ("setup exit 0 changed=7")
    std::vector<std::string> problems;  ///< what did not converge; empty: converged
    int seconds = 0;                    ///< how long the point took (set by the sweep)
};

/// Records in `row` the crashed run's Nth call and, unless the hook killed it (exit 137), a
/// problem (its calls are printed: it made fewer than N).
void note_crashed_run(CrashRow& row, const HookedRun& crashed);

/// Prints a run's mutating calls, one a line ("  N host: purpose"), to stdout.
void print_calls(const std::string& title, const HookedRun& run);

/// The sweep: for each of crash_points_to_try(`total`), `point(n)` (crash at n, re-run,
/// check); each row that did not converge fails the test; prints a line per point as it goes
/// (with its time), then the table. Stops at a fatal failure.
void sweep_crash_points(int total, const std::function<CrashRow(int)>& point);

/// Prints the table (command, N, crashed call, re-run, result) and its totals to stdout.
void print_crash_table(const std::vector<CrashRow>& rows);

/// "exit E changed=K" from a setup run's result: the sum of the recap's changed= counts.
std::string setup_summary(const ProcessResult& setup);

/// The sum of a setup recap's changed= counts (-1 when there is no recap).
int total_changed(const ProcessResult& setup);

}  // namespace pgrepl::e2e
