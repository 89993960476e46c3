// promote's events as the run document of --json (docs/json.md).
#include <fmt/format.h>

#include <type_traits>

#include "pgrepl/promote/report.hpp"

namespace pgrepl {
namespace {

StepReport failed(std::string host, std::string name, const Error& error,
                  std::chrono::milliseconds took) {
    StepReport report = failed_report(std::move(host), std::move(name), error);
    report.duration = took;
    return report;
}

const char* planned_step(PromotePlanned::Action action) {
    switch (action) {
        case PromotePlanned::Action::StopAndFence:
            return "stop and fence";
        case PromotePlanned::Action::FenceStopped:
            return "fence";
        case PromotePlanned::Action::Promote:
            break;
    }
    return "promote";
}

}  // namespace

RunReport promote_run_report(const Inventory& inventory, const PromoteReport& promote,
                             RunMode mode) {
    RunReport run = new_run_report("promote", mode, promote.exit_code, inventory);
    for (const auto& event : promote.events) {
        std::visit(
            [&](const auto& e) {
                using E = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<E, PromoteStarted>) {
                    run.target = e.target;
                } else if constexpr (std::is_same_v<E, PromoteStopped>) {
                    run.message = e.reason + (e.changed.empty() ? "" : " (" + e.changed + ")");
                    run.hint = e.hint;
                } else if constexpr (std::is_same_v<E, PromotePlanned>) {
                    run.steps.push_back(
                        make_step_report(e.host, planned_step(e.action), StepStatus::Changed,
                                         "would " + std::string(planned_step(e.action))));
                } else if constexpr (std::is_same_v<E, PromoteFenced>) {
                    if (e.error) {
                        run.steps.push_back(failed(e.host, "fence", *e.error, e.took));
                        if (!e.must_stop) run.steps.back().status = StepStatus::Skipped;
                    } else {
                        run.steps.push_back(make_step_report(
                            e.host, "fence", StepStatus::Changed,
                            e.was_running ? "stopped and fenced" : "fenced", e.took));
                    }
                } else if constexpr (std::is_same_v<E, PromoteAborted>) {
                    run.outcome = "aborted";
                } else if constexpr (std::is_same_v<E, PromoteCaughtUp>) {
                    run.steps.push_back(make_step_report(
                        e.host, "catch up", e.reached ? StepStatus::Ok : StepStatus::Failed,
                        e.reached ? "received the old primary's WAL"
                                  : "did not receive all of the old "
                                    "primary's WAL",
                        e.took));
                } else if constexpr (std::is_same_v<E, PromotePromoted>) {
                    if (e.error) {
                        run.steps.push_back(failed(e.host, "promote", *e.error, e.took));
                    } else {
                        run.timeline = e.timeline;
                        run.steps.push_back(make_step_report(
                            e.host, "promote", StepStatus::Changed,
                            fmt::format("promoted, timeline {}", e.timeline), e.took));
                    }
                } else if constexpr (std::is_same_v<E, RepointStep>) {
                    run.steps.push_back(e.report);
                } else if constexpr (std::is_same_v<E, RepointFollowed>) {
                    auto followed = make_step_report(
                        e.host, "follow", e.following ? StepStatus::Ok : StepStatus::Failed,
                        e.following
                            ? fmt::format("streams from {} on timeline {}", e.upstream, e.timeline)
                            : fmt::format("does not stream from {}: {}", e.upstream, e.status));
                    followed.hint = e.hint;
                    run.steps.push_back(std::move(followed));
                } else if constexpr (std::is_same_v<E, RepointAhead>) {
                    auto ahead =
                        make_step_report(e.host, "follow", StepStatus::Failed,
                                         fmt::format("{} bytes ahead of {}", e.bytes, e.primary));
                    ahead.hint = e.hint;
                    run.steps.push_back(std::move(ahead));
                } else if constexpr (std::is_same_v<E, PromoteDone>) {
                    run.target = e.target;
                    run.writable_after = e.writable_at;
                    run.duration = e.total;
                    if (run.exit_code == ExitCode::Ok)
                        run.outcome = mode == RunMode::Check ? "would promote" : "promoted";
                }
            },
            event);
    }
    return run;
}

}  // namespace pgrepl
