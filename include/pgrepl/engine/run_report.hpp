// The machine-readable report of a command that changes hosts (setup, promote, switchover
// --json): per host, per step, its status, reason and duration, with the run's totals. One
// layout for the three, documented beside verify's document (docs/json.md).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/runner.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// The version of the run document's layout (its "format" field).
inline constexpr const char* kRunJsonFormat = "pgrepl-run/1";

/// What a run did, as the document shows it.
struct RunReport {
    std::string command;                    ///< setup, promote or switchover
    RunMode mode = RunMode::Apply;          ///< check: nothing was changed
    ExitCode exit_code = ExitCode::Ok;      ///< what the process exits with
    std::string outcome;                    ///< one word: ok, failed, refused, switched...
    std::string message;                    ///< a refusal or failure outside any step ("" none)
    std::string hint;                       ///< what to do about it
    std::chrono::milliseconds duration{0};  ///< the whole run
    std::vector<std::string> hosts;         ///< every host, in inventory order
    std::vector<StepReport> steps;          ///< in the order they finished
    std::optional<std::string> target;      ///< promote, switchover: the new primary
    std::optional<int> timeline;            ///< its timeline once promoted
    /// promote, switchover: from the start to the new primary accepting writes
    std::optional<std::chrono::milliseconds> writable_after;
    std::optional<std::chrono::milliseconds> unavailable;  ///< switchover: no primary this long
    /// switchover: the verify pass's own document (pgrepl-verify/1), embedded as "verify"
    std::optional<std::string> verify_document;
};

/// A report of `command` on the hosts of `inventory` (in its order), with the mode, the exit
/// code and outcome_of() that code; steps and the rest are the command's to fill.
RunReport new_run_report(std::string command, RunMode mode, ExitCode exit_code,
                         const Inventory& inventory);

/// A step report made from its parts (for commands whose actions are not steps).
StepReport make_step_report(std::string host, std::string step, StepStatus status,
                            std::string reason, std::chrono::milliseconds duration = {});

/// "ok", "failed" or "refused" for an exit code (setup's outcome).
const char* outcome_of(ExitCode code);

/// The JSON document of `report`: format, command, mode, exit_code, outcome, message, hint,
/// target, timeline, writable_after_ms, unavailable_ms, duration_ms, totals (ok, changed,
/// failed, skipped), then hosts (name, the same counts, steps: step, status, reason, hint,
/// diff, duration_ms, error_kind), and verify when the report has a verify document.
/// Two-space indentation, no trailing newline. Pure.
std::string run_report_json(const RunReport& report);

}  // namespace pgrepl
