// Printing the progress lines of a run of steps (setup, handoff) and its recap.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/runner.hpp"

namespace pgrepl {

/// Whether diffs are printed for changes made in apply mode (always in check mode).
enum class ShowDiffs { No, Yes };

/// Prints one line per step report as it arrives (thread-safe) and keeps counts for the recap.
class StepPrinter {
  public:
    /// Prints to `out`; diffs of changes in apply mode only when `show_diffs` says so; step
    /// names padded to `step_width`.
    StepPrinter(std::ostream& out, RunMode mode, ShowDiffs show_diffs,
                std::vector<std::string> host_order, std::size_t step_width = 9);

    /// Prints a report and counts it. Failures are also logged with their hint.
    void print(const StepReport& report);

    /// Prints the recap: per host ok / changed / failed / skipped counts.
    void recap();

    /// What the run's failures amount to: Refused when any step refused for safety, else the
    /// kind of the first failure; nullopt when nothing failed.
    std::optional<ErrorKind> failure() const;
    /// The reports printed so far, in the order they were printed.
    std::vector<StepReport> reports() const;

  private:
    struct Counts {
        int ok = 0, changed = 0, failed = 0, skipped = 0;
    };
    std::ostream& out_;
    RunMode mode_;
    ShowDiffs show_diffs_;
    std::vector<std::string> host_order_;
    std::size_t host_width_ = 4;
    std::size_t step_width_ = 9;
    mutable std::mutex mutex_;
    std::map<std::string, Counts> counts_;
    std::optional<ErrorKind> failure_;
    std::vector<StepReport> reports_;
};

}  // namespace pgrepl
