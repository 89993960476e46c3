// Output of `pgrepl promote` (internal to src/promote/): a thread-safe line printer with
// timings since the command started, and the tables it prints.
#pragma once

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/runner.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/promote/state.hpp"
#include "pgrepl/promote/topology.hpp"

namespace pgrepl::promote_detail {

/// Prints whole lines from any thread.
class Printer {
  public:
    /// Prints to `out`; timings are measured from `start`.
    Printer(std::ostream& out, std::chrono::steady_clock::time_point start)
        : out_(out), start_(start) {}

    /// Prints one line (a newline is added).
    void line(const std::string& text);
    /// Prints a block of lines as one unit.
    void block(const std::vector<std::string>& lines);
    /// Time since the start of the command.
    std::chrono::milliseconds elapsed() const;

  private:
    std::ostream& out_;
    std::chrono::steady_clock::time_point start_;
    std::mutex mutex_;
};

/// "0.42 s", "12.3 s", "85 ms".
std::string format_duration(std::chrono::milliseconds duration);

/// The table of what each host is now (role, state, WAL position, timeline, upstream).
std::vector<std::string> state_table(const Inventory& inventory,
                                     const std::vector<PromoteHostState>& states);

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
