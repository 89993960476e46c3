#include "crash_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "pgrepl/exec/crash_point.hpp"
#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

/// Sets an environment variable for the pgrepl processes this test starts; unsets it after.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() { ::unsetenv(name_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* name_;
};

std::vector<MutatingCall> parse_log(const std::string& text) {
    std::vector<MutatingCall> calls;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto tab1 = line.find('\t');
        const auto tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
        if (tab2 == std::string::npos) continue;
        calls.push_back(MutatingCall{std::atoi(line.substr(0, tab1).c_str()),
                                     line.substr(tab1 + 1, tab2 - tab1 - 1),
                                     line.substr(tab2 + 1)});
    }
    std::sort(calls.begin(), calls.end(),
              [](const MutatingCall& a, const MutatingCall& b) { return a.n < b.n; });
    return calls;
}

}  // namespace

std::string HookedRun::call(int n) const {
    for (const auto& logged : calls)
        if (logged.n == n) return logged.host + ": " + logged.purpose;
    return "-";
}

HookedRun run_hooked(const std::vector<std::string>& args, int crash_after) {
    TempDir dir;
    const std::string log = dir.file("mutations");
    ScopedEnv log_env(kMutationLogEnv, log);
    std::optional<ScopedEnv> crash_env;
    if (crash_after > 0) crash_env.emplace(kCrashAfterEnv, std::to_string(crash_after));
    HookedRun run;
    run.result = run_pgrepl(args);
    run.calls = parse_log(read_local_file(log));
    return run;
}

std::vector<int> crash_points_to_try(int total, int sample) {
    std::vector<int> points;
    if (const char* chosen = std::getenv("PGREPL_CRASH_POINTS"); chosen != nullptr && *chosen) {
        std::istringstream items(chosen);
        for (std::string item; std::getline(items, item, ',');) {
            int from = 0;
            int to = 0;
            const int read = std::sscanf(item.c_str(), "%d-%d", &from, &to);
            if (read < 1) continue;
            if (read == 1) to = from;
            for (int n = std::max(from, 1); n <= std::min(to, total); ++n) points.push_back(n);
        }
        return points;
    }
    const char* long_mode = std::getenv("PGREPL_LONG");
    const bool all = long_mode != nullptr && std::string(long_mode) == "1";
    if (all || total <= sample) {
        for (int n = 1; n <= total; ++n) points.push_back(n);
        return points;
    }
    for (int k = 0; k < sample; ++k) {
        const int n = 1 + k * (total - 1) / (sample - 1);
        if (points.empty() || points.back() != n) points.push_back(n);
    }
    return points;
}

int total_changed(const ProcessResult& setup) {
    const auto counts = recap_changed(setup.out);
    if (counts.empty()) return -1;
    int sum = 0;
    for (const auto& [host, changed] : counts) sum += changed;
    return sum;
}

std::string setup_summary(const ProcessResult& setup) {
    return "setup exit " + std::to_string(setup.exit_code) +
           " changed=" + std::to_string(total_changed(setup));
}

void note_crashed_run(CrashRow& row, const HookedRun& crashed) {
    row.call = crashed.call(row.n);
    if (crashed.result.exit_code == 128 + 9) return;
    row.problems.push_back("crashed run: exit " + std::to_string(crashed.result.exit_code));
    print_calls(row.command + " meant to crash at " + std::to_string(row.n), crashed);
}

void print_calls(const std::string& title, const HookedRun& run) {
    std::ostringstream out;
    out << title << ": " << run.calls.size() << " mutating calls\n";
    for (const auto& call : run.calls)
        out << "  " << std::setw(3) << call.n << " " << call.host << ": " << call.purpose << "\n";
    std::cout << out.str() << std::flush;
}

void sweep_crash_points(int total, const std::function<CrashRow(int)>& point) {
    std::vector<CrashRow> rows;
    const auto sweep_start = std::chrono::steady_clock::now();
    for (int n : crash_points_to_try(total)) {
        const auto start = std::chrono::steady_clock::now();
        rows.push_back(point(n));
        if (::testing::Test::HasFatalFailure()) break;
        CrashRow& row = rows.back();
        row.seconds = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::steady_clock::now() - start)
                                           .count());
        std::string problems;
        for (const auto& problem : row.problems) problems += "; " + problem;
        EXPECT_TRUE(row.problems.empty()) << row.command << " crashed at " << n << " (" << row.call
                                          << "): " << row.rerun << problems;
        std::cout << row.command << " N=" << n << " (" << row.call << "): " << row.rerun
                  << (row.problems.empty() ? ", converged" : ", NOT converged") << " ("
                  << row.seconds << " s)" << std::endl;
    }
    print_crash_table(rows);
    std::cout << "sweep: "
              << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                  sweep_start)
                     .count()
              << " s\n"
              << std::flush;
}

void print_crash_table(const std::vector<CrashRow>& rows) {
    std::ostringstream table;
    table << "\ncrash points:\n"
          << std::left << std::setw(16) << "command" << std::setw(5) << "N" << std::setw(58)
          << "crashed right after" << std::setw(52) << "re-run" << std::setw(6) << "s"
          << "result\n";
    int converged = 0;
    for (const auto& row : rows) {
        std::string result = "converged";
        if (!row.problems.empty()) {
            result = "NOT converged:";
            for (const auto& problem : row.problems) result += " " + problem + ";";
        } else {
            ++converged;
        }
        table << std::setw(16) << row.command << std::setw(5) << row.n << std::setw(58)
              << row.call.substr(0, 56) << std::setw(52) << row.rerun << std::setw(6) << row.seconds
              << result << "\n";
    }
    table << "crash points: " << rows.size() << " tried, " << converged << " converged\n";
    std::cout << table.str() << std::flush;
}

}  // namespace pgrepl::e2e
