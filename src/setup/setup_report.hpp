// Printing setup's progress lines and recap (internal to src/engine/).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/runner.hpp"
#include "pgrepl/setup/setup.hpp"

namespace pgrepl {

/// Prints one line per step report as it arrives (thread-safe) and keeps counts for the recap.
class SetupPrinter {
  public:
    /// Prints to `out`; diffs of changes in apply mode only when `show_diffs` says so.
    SetupPrinter(std::ostream& out, RunMode mode, ShowDiffs show_diffs,
                 std::vector<std::string> host_order);

    /// Prints a report and counts it. Failures are also logged with their hint.
    void print(const StepReport& report);

    /// Prints the recap: per host ok / changed / failed / skipped counts.
    void recap();

    /// What the run's failures amount to: Refused when any step refused for safety, else the
    /// kind of the first failure; nullopt when nothing failed.
    std::optional<ErrorKind> failure() const;
    /// The reports printed so far, as the run's report with `exit_code`.
    SetupReport report(ExitCode exit_code) const;

  private:
    struct Counts {
        int ok = 0, changed = 0, failed = 0, skipped = 0;
    };
    std::ostream& out_;
    RunMode mode_;
    ShowDiffs show_diffs_;
    std::vector<std::string> host_order_;
    std::size_t host_width_ = 4;
    mutable std::mutex mutex_;
    std::map<std::string, Counts> counts_;
    std::optional<ErrorKind> failure_;
    std::vector<StepReport> reports_;
};

}  // namespace pgrepl
