// The text both commands that change roles (promote, switchover) print the same way: the state
// table of the hosts, a setup step's line, the re-pointing's events, the new topology as a tree
// and the inventory's stale lines. Pure functions of values.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "pgrepl/engine/runner.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/handover/follow.hpp"
#include "pgrepl/handover/inventory_edit.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// "0.42 s", "12.3 s", "85 ms".
std::string format_duration(std::chrono::milliseconds duration);

/// The table of what each host is now (role, state, WAL position, timeline, upstream).
std::vector<std::string> state_table(const Inventory& inventory,
                                     const std::vector<HandoverHostState>& states);

/// One line for a step report: "  db3: replica: changed: point the standby at db2 [1.2 s]"
/// followed by its hint and, when `show_diff`, its diff (each line indented).
std::vector<std::string> step_lines(const StepReport& report, RunMode mode, bool show_diff);

/// The lines of one re-pointing event (handover/follow): a step's line (with its detail), a
/// follower that streams or does not (with its hint and log), a standby left ahead.
std::vector<std::string> repoint_lines(const RepointEvent& event, RunMode mode, bool show_diff);

/// The new topology as a tree below the new primary; `remarks` (by host index) are appended to
/// their host's line ("fenced", "unreachable: not re-pointed", ...).
std::vector<std::string> topology_lines(const Inventory& promoted,
                                        const std::vector<std::string>& remarks);

/// The stale lines of the inventory, "  FILE:LINE: host db2: role: replica -> primary".
std::vector<std::string> stale_lines_text(const std::string& path,
                                          const std::vector<StaleLine>& lines);

/// The inventory's stale lines and what --update-inventory did (or would do) about them.
std::vector<std::string> inventory_update_lines(const InventoryUpdate& update);

}  // namespace pgrepl
