// The mutating part of `pgrepl switchover` (internal to src/switchover/): the sequence of
// docs/switchover.md after every precondition held, printed line by line as it happens.
#pragma once

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/handover/follow.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/switchover/switchover.hpp"

namespace pgrepl::switchover_detail {

/// Prints whole lines as they come, from any thread, and the re-pointing's events
/// (handover/follow) the way promote prints them.
class Printer : public RepointSink {
  public:
    /// Prints to `out`; timings are measured from `start`.
    Printer(std::ostream& out, std::chrono::steady_clock::time_point start)
        : out_(out), start_(start) {}

    /// Prints `lines`, together.
    void lines(const std::vector<std::string>& lines);
    /// Prints one line.
    void line(const std::string& text) { lines({text}); }
    /// Prints a re-pointing event.
    void emit(RepointEvent event) override;
    /// Time since the start of the command.
    std::chrono::milliseconds elapsed() const override;
    /// The re-pointing steps emitted so far.
    std::vector<StepReport> steps() const;

  private:
    std::ostream& out_;
    std::chrono::steady_clock::time_point start_;
    mutable std::mutex mutex_;
    std::vector<StepReport> steps_;
};

/// Runs the sequence after a Switch decision (report.decision) on the gathered `links`:
/// CHECKPOINT and fast stop of the old primary (standby.signal written), the wait for the
/// target, promotion, the old primary and the siblings following the target, the new topology
/// and the inventory's stale lines. Aborts (old primary started again) when the target does
/// not catch up. Fills the report's outcome and timings; returns the exit code.
ExitCode run_sequence(const Inventory& inventory, const SwitchoverOptions& options,
                      std::vector<HostLink>& links, SwitchoverReport& report, Printer& out);

}  // namespace pgrepl::switchover_detail
