// What `pgrepl promote` did, as values: the run emits one event per thing that happened, in
// order, and a renderer turns each into text as it arrives (JSON can follow the same events).
// The actions never format their own output.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pgrepl/engine/run_report.hpp"
#include "pgrepl/engine/runner.hpp"
#include "pgrepl/handover/follow.hpp"
#include "pgrepl/handover/inventory_edit.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/promote/decide.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// Milliseconds since the command started, or a duration.
using Millis = std::chrono::milliseconds;

/// The run starts: promote TARGET, how many hosts are asked.
struct PromoteStarted {
    std::string target;     ///< the host to promote
    RunMode mode;           ///< check or apply
    std::size_t hosts = 0;  ///< how many hosts are asked
};
/// What each host is, as gathered before deciding.
struct PromoteStates {
    std::vector<HandoverHostState> states;  ///< aligned with the inventory's hosts
};
/// A note of the decision (each printed once).
struct PromoteNote {
    std::string text;  ///< one line
};
/// promote waits for evidence that an unreachable old primary is down.
struct PromoteWaiting {
    std::vector<std::string> hosts;  ///< the hosts waited on
    std::int64_t seconds_left = 0;   ///< rounded up
    std::string reason;              ///< why it waits
};
/// The decision stopped the run (usage error, failure or refusal).
struct PromoteStopped {
    PromoteVerdict verdict = PromoteVerdict::Fail;  ///< Usage, Fail or Refuse
    std::string reason;                             ///< what was decided
    std::string hint;                               ///< what the user can do
    std::string changed;                            ///< "nothing was changed", ...
};
/// The decision to go on.
struct PromoteDecided {
    std::string reason;  ///< the decision's one line
    Millis at{0};        ///< since the start
};
/// What --check would do to one host.
struct PromotePlanned {
    /// What would be done.
    enum class Action { StopAndFence, FenceStopped, Promote };
    Action action = Action::Promote;  ///< the action
    std::string host;                 ///< the host it acts on
};
/// An old primary was fenced (or fencing it failed).
struct PromoteFenced {
    std::string host;            ///< the old primary
    bool was_running = false;    ///< it was stopped first
    Millis took{0};              ///< how long it took
    std::optional<Error> error;  ///< set when fencing failed
    bool must_stop = true;       ///< false: an already stopped one (a failure is a warning)
};
/// Nothing was promoted (after a failed fence).
struct PromoteAborted {};
/// Whether the target received the old primary's WAL up to its shutdown checkpoint.
struct PromoteCaughtUp {
    std::string host;              ///< the target
    std::uint64_t checkpoint = 0;  ///< the old primary's shutdown checkpoint
    bool reached = false;          ///< the target received it
    Millis took{0};                ///< how long it waited
};
/// The promotion itself.
struct PromotePromoted {
    std::string host;            ///< the new primary
    std::optional<Error> error;  ///< set when it failed
    std::string log_tail;        ///< the end of its server log, when it failed
    int timeline = 0;            ///< its new timeline
    Millis took{0};              ///< the promotion's duration
    Millis at{0};                ///< since the start: when it accepted writes
};
/// The topology after the promotion (planned in check mode).
struct PromoteTopology {
    Inventory promoted;                ///< the new topology
    std::vector<std::string> remarks;  ///< per host index
    RunMode mode = RunMode::Apply;     ///< check: planned
};
/// The inventory's stale lines and what --update-inventory did about them (handover's).
using PromoteInventory = InventoryUpdate;
/// The end of the run.
struct PromoteDone {
    std::string target;                      ///< the new primary
    RunMode mode = RunMode::Apply;           ///< check: nothing was changed
    std::optional<Millis> writable_at;       ///< when it accepted writes
    int following = 0;                       ///< standbys following it
    int not_following = 0;                   ///< standbys that did not
    std::optional<Millis> all_following_at;  ///< when the last one followed
    Millis total{0};                         ///< the whole run
};

/// One thing that happened during a promote run.
using PromoteEvent =
    std::variant<PromoteStarted, PromoteStates, PromoteNote, PromoteWaiting, PromoteStopped,
                 PromoteDecided, PromotePlanned, PromoteFenced, PromoteAborted, PromoteCaughtUp,
                 PromotePromoted, RepointStep, RepointFollowed, RepointAhead, PromoteTopology,
                 PromoteInventory, PromoteDone>;

/// The whole run: its events in order and its exit code.
struct PromoteReport {
    std::vector<PromoteEvent> events;   ///< in the order they happened
    ExitCode exit_code = ExitCode::Ok;  ///< what the process exits with
};

/// How the text renderer shows events.
struct PromoteTextOptions {
    RunMode mode = RunMode::Apply;  ///< check: "would change"
    bool show_diffs = false;        ///< diffs of the re-pointing steps
};

/// The text lines of one event (pure).
std::vector<std::string> render_promote_event(const Inventory& inventory, const PromoteEvent& event,
                                              const PromoteTextOptions& options);

/// The run document (--json) of a promote run: its fence, catch-up, promote and re-pointing
/// steps per host, the target, its timeline and when it accepted writes (docs/json.md). Pure.
RunReport promote_run_report(const Inventory& inventory, const PromoteReport& promote,
                             RunMode mode);

}  // namespace pgrepl
