// `pgrepl switchover HOST`: the planned role change with no loss (docs/switchover.md): it
// gathers every host's state and switchover's facts, decides, and either prints the plan or
// the refusal (--check, refusals) or runs the sequence: the old primary stops cleanly, HOST
// gets all of its WAL and is promoted, the old primary and the siblings follow HOST.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/run_report.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/exec/reach.hpp"
#include "pgrepl/handover/inventory_edit.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/switchover/decide.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// The default of --timeout: how long the target may take to reach the old primary's shutdown
/// checkpoint.
inline constexpr std::chrono::seconds kDefaultSwitchoverTimeout{30};

/// Options of `pgrepl switchover`.
struct SwitchoverOptions {
    std::string target;                                       ///< the standby to promote
    RunMode mode = RunMode::Apply;                            ///< --check gives RunMode::Check
    std::chrono::seconds timeout{kDefaultSwitchoverTimeout};  ///< --timeout
    ReachProbe reach;                 ///< --reach-timeout's probe of each SSH port
    SwitchoverThresholds thresholds;  ///< lag limits (verify's defaults)
    UpdateInventory update_inventory = UpdateInventory::No;  ///< --update-inventory
    std::chrono::seconds wait_lock{0};  ///< --wait-lock: for another run's host lock
    /// When the command started (the total time is measured from it).
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

/// How far a switchover run got.
enum class SwitchoverOutcome {
    Decided,   ///< nothing was changed: --check, a refusal, or a failure before the stop
    Switched,  ///< the target is the primary and every other host follows it
    Aborted,   ///< the old primary was started again as the primary (or that was tried)
    Failed,    ///< something failed after the stop; the report says what runs where
};

/// What a switchover run saw and decided.
struct SwitchoverReport {
    std::vector<HandoverHostState> states;                   ///< aligned with the inventory's hosts
    std::vector<SwitchoverFacts> facts;                      ///< aligned with the inventory's hosts
    SwitchoverDecision decision;                             ///< the verdict and the plan
    ExitCode exit_code = ExitCode::Ok;                       ///< what the process exits with
    SwitchoverOutcome outcome = SwitchoverOutcome::Decided;  ///< how far it got
    /// The old primary's shutdown checkpoint (pg_controldata), once it was stopped.
    std::optional<std::uint64_t> shutdown_checkpoint;
    /// From the start of the stop to the target accepting writes, once it did.
    std::optional<std::chrono::milliseconds> unavailable;
    std::chrono::milliseconds total{0};  ///< the whole run, when it switched
    int timeline = 0;                    ///< the new primary's timeline, once promoted
    int following = 0;                   ///< hosts streaming in the new topology
    int not_following = 0;               ///< hosts that did not follow (hints printed)
    std::vector<StepReport> steps;       ///< the re-pointing steps, in the order they ended
};

/// The text of the decision (pure): the refusal with its hint, or the plan step by step; with
/// --check, that nothing was changed.
std::vector<std::string> render_switchover_text(const Inventory& inventory,
                                                const SwitchoverReport& report,
                                                const SwitchoverOptions& options);

/// Runs switchover and prints what happens to `out` as it happens. Exit code: 2 unknown
/// target; 3 refused (nothing changed); 1 the target cannot be reached, or the sequence failed
/// or aborted (the output says what runs where); 0 switched (with --check: would switch).
SwitchoverReport run_switchover(const Inventory& inventory, const SwitchoverOptions& options,
                                const ExecutorFactory& factory, std::ostream& out);

/// The run document (--json) of a switchover run: the old primary's stop, the target's
/// promotion, the re-pointing steps per host, the write-unavailability window (docs/json.md).
/// Pure.
RunReport switchover_run_report(const Inventory& inventory, const SwitchoverReport& report,
                                RunMode mode);

}  // namespace pgrepl
