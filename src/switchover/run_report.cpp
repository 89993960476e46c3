// switchover's report as the run document of --json (docs/json.md).
#include <fmt/format.h>

#include "pgrepl/switchover/switchover.hpp"

namespace pgrepl {
namespace {

const char* outcome_word(const SwitchoverReport& report, RunMode mode) {
    switch (report.outcome) {
        case SwitchoverOutcome::Switched:
            return "switched";
        case SwitchoverOutcome::Aborted:
            return "aborted";
        case SwitchoverOutcome::Failed:
            return "failed";
        case SwitchoverOutcome::Decided:
            break;
    }
    if (report.exit_code != ExitCode::Ok) return outcome_of(report.exit_code);
    if (report.decision.verdict == SwitchoverVerdict::Done) return "done";
    return mode == RunMode::Check ? "would switch" : "ok";
}

}  // namespace

RunReport switchover_run_report(const Inventory& inventory, const SwitchoverReport& report,
                                RunMode mode) {
    RunReport run = new_run_report("switchover", mode, report.exit_code, inventory);
    run.outcome = outcome_word(report, mode);
    const auto& d = report.decision;
    const bool known = d.primary < inventory.hosts.size() && d.target < inventory.hosts.size();
    if (known) run.target = inventory.hosts[d.target].name;
    if (report.outcome == SwitchoverOutcome::Decided && report.exit_code != ExitCode::Ok) {
        run.message = d.reason;
        run.hint = d.hint;
    }
    if (known && report.outcome != SwitchoverOutcome::Decided) {
        const std::string& old = inventory.hosts[d.primary].name;
        run.steps.push_back(make_step_report(old, "stop", StepStatus::Changed,
                                             "CHECKPOINT and fast stop; standby.signal written"));
        if (report.timeline > 0) {
            run.timeline = report.timeline;
            run.steps.push_back(
                make_step_report(*run.target, "promote", StepStatus::Changed,
                                 fmt::format("promoted, timeline {}", report.timeline)));
        } else if (report.outcome == SwitchoverOutcome::Aborted) {
            run.steps.push_back(
                make_step_report(old, "abort", StepStatus::Changed,
                                 "the old primary was started again as the primary"));
        }
    }
    run.steps.insert(run.steps.end(), report.steps.begin(), report.steps.end());
    run.unavailable = report.unavailable;
    run.duration = report.total;
    return run;
}

}  // namespace pgrepl
