// Output of `pgrepl promote` (internal to src/promote/): the sink of its events (kept for the
// report, printed as they arrive) and the pure renderers of its tables and step lines.
#pragma once

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/runner.hpp"
#include "pgrepl/handover/follow.hpp"
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

/// "0.42 s", "12.3 s", "85 ms".
std::string format_duration(std::chrono::milliseconds duration);

/// The table of what each host is now (role, state, WAL position, timeline, upstream).
std::vector<std::string> state_table(const Inventory& inventory,
                                     const std::vector<HandoverHostState>& states);

/// One line for a step report: "  db3: replica: changed: point the standby at db2 [1.2 s]"
/// followed by its hint and, when `show_diff`, its diff (each line indented).
std::vector<std::string> step_lines(const StepReport& report, RunMode mode, bool show_diff);

/// The new topology as a tree below the new primary; `remarks` (by host index) are appended to
/// their host's line ("fenced", "unreachable: not re-pointed", ...).
std::vector<std::string> topology_lines(const Inventory& promoted,
                                        const std::vector<std::string>& remarks);

/// The stale lines of the inventory, "  FILE:LINE: host db2: role: replica -> primary".
std::vector<std::string> stale_lines_text(const std::string& path,
                                          const std::vector<StaleLine>& lines);

}  // namespace pgrepl::promote_detail
