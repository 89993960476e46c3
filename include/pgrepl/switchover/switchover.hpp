// `pgrepl switchover HOST`: the planned role change with no loss (docs/switchover.md). So far
// it gathers every host's state and switchover's facts, decides and prints the plan or the
// refusal; the sequence that changes roles is not implemented yet.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/exec/reach.hpp"
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
};

/// What a switchover run saw and decided.
struct SwitchoverReport {
    std::vector<HandoverHostState> states;  ///< aligned with the inventory's hosts
    std::vector<SwitchoverFacts> facts;     ///< aligned with the inventory's hosts
    SwitchoverDecision decision;            ///< the verdict and the plan
    ExitCode exit_code = ExitCode::Ok;      ///< what the process exits with
};

/// The text of a report (pure): the decision (refusal with its hint, or the plan step by
/// step) and what was changed (nothing, so far).
std::vector<std::string> render_switchover_text(const Inventory& inventory,
                                                const SwitchoverReport& report,
                                                const SwitchoverOptions& options);

/// Runs switchover and prints its report to `out`. Exit code: 2 unknown target; 3 refused;
/// 1 the target cannot be reached, or (without --check) the switch itself, not implemented
/// yet; 0 with --check when it would switch over. Never changes anything yet.
SwitchoverReport run_switchover(const Inventory& inventory, const SwitchoverOptions& options,
                                const ExecutorFactory& factory, std::ostream& out);

}  // namespace pgrepl
