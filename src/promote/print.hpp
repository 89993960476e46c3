// Output of `pgrepl promote` (internal to src/promote/): the sink of its events (kept for the
// report, printed as they arrive). The tables and step lines are handover/render's.
#pragma once

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/runner.hpp"
#include "pgrepl/handover/follow.hpp"
#include "pgrepl/handover/render.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/promote/report.hpp"

namespace pgrepl::promote_detail {

/// Receives promote's events from any thread: keeps them for the report and prints each one's
/// text as it arrives (whole lines, one event at a time). The re-pointing's events
/// (handover/follow) arrive through RepointSink and are kept as promote events.
class EventSink : public RepointSink {
  public:
    /// Prints to `out` with `options`; timings are measured from `start`.
    EventSink(const Inventory& inventory, PromoteTextOptions options, std::ostream& out,
              std::chrono::steady_clock::time_point start)
        : inventory_(inventory), options_(options), out_(out), start_(start) {}

    /// Records `event` and prints its lines.
    void emit(PromoteEvent event);
    /// Records a re-pointing event as the promote event of the same type, and prints it.
    void emit(RepointEvent event) override;
    /// Time since the start of the command.
    std::chrono::milliseconds elapsed() const override;
    /// The report of the run so far, with `exit_code`.
    PromoteReport report(ExitCode exit_code);

  private:
    const Inventory& inventory_;
    PromoteTextOptions options_;
    std::ostream& out_;
    std::chrono::steady_clock::time_point start_;
    std::mutex mutex_;
    std::vector<PromoteEvent> events_;
};

}  // namespace pgrepl::promote_detail
