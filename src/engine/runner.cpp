#include "pgrepl/engine/runner.hpp"

#include <fmt/format.h>

namespace pgrepl {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

StepReport report_for(const ChainInput& input, const Step& step, StepStatus status,
                      std::string reason) {
    StepReport report;
    report.host = input.host.name;
    report.step = std::string(step.name());
    report.status = status;
    report.reason = std::move(reason);
    return report;
}

StepReport failed_report(const ChainInput& input, const Step& step, const Error& error,
                         Clock::time_point start) {
    auto report = failed_report(input.host.name, std::string(step.name()), error);
    report.duration = since(start);
    return report;
}

}  // namespace

StepReport pseudo_report(std::string host, std::string step, StepStatus status, std::string reason,
                         std::string hint, ErrorKind failure) {
    StepReport report;
    report.host = std::move(host);
    report.step = std::move(step);
    report.status = status;
    report.reason = std::move(reason);
    report.hint = std::move(hint);
    if (status == StepStatus::Failed) report.failure = failure;
    return report;
}

StepReport failed_report(std::string host, std::string step, const Error& error) {
    StepReport report;
    report.host = std::move(host);
    report.step = std::move(step);
    report.status = StepStatus::Failed;
    report.reason = describe(error);
    report.hint = error.hint;
    report.failure = error.kind;
    report.error = error;
    return report;
}

const char* to_string(StepStatus status) {
    switch (status) {
        case StepStatus::Ok:
            return "ok";
        case StepStatus::Changed:
            return "changed";
        case StepStatus::Failed:
            return "failed";
        case StepStatus::Skipped:
            return "skipped";
    }
    return "?";
}

SnapshotRequest chain_request(const std::vector<std::unique_ptr<Step>>& steps,
                              const Inventory& inventory, const Host& host) {
    const ClusterPaths paths = cluster_paths(host);
    SnapshotRequest request;
    for (const auto& step : steps) step->request(inventory, host, paths, request);
    return request;
}

ChainResult run_chain(const std::vector<std::unique_ptr<Step>>& steps, const ChainInput& input,
                      const ReportSink& sink) {
    ChainResult chain;
    const ClusterPaths paths = cluster_paths(input.host);
    const SnapshotRequest request = chain_request(steps, input.inventory, input.host);

    auto emit = [&](StepReport report) {
        if (report.status == StepStatus::Failed) chain.failed = true;
        if (sink) sink(report);
        chain.reports.push_back(std::move(report));
    };

    auto snapshot = input.initial ? Result<HostSnapshot>(*input.initial)
                                  : take_snapshot(input.executor, input.host, request);
    if (!snapshot) {
        for (const auto& step : steps) {
            emit(chain.failed
                     ? report_for(input, *step, StepStatus::Skipped, "an earlier step failed")
                     : failed_report(input.host.name, std::string(step->name()), snapshot.error()));
        }
        return chain;
    }
    HostSnapshot state = std::move(snapshot).value();

    for (const auto& step : steps) {
        if (chain.failed) {
            emit(report_for(input, *step, StepStatus::Skipped, "an earlier step failed"));
            continue;
        }
        const auto start = Clock::now();
        StepContext context{input.inventory, input.host,    input.executor,
                            state,           input.cluster, paths,
                            input.password,  input.mode,    input.force};
        auto check = step->check(context);
        if (!check) {
            emit(failed_report(input, *step, check.error(), start));
            continue;
        }
        if (check->state == CheckState::Done) {
            auto report = report_for(input, *step, StepStatus::Ok, check->reason);
            report.duration = since(start);
            emit(std::move(report));
            continue;
        }
        if (check->state == CheckState::Conflict) {
            auto report = report_for(input, *step, StepStatus::Failed, check->reason);
            report.hint = check->hint;
            report.failure = check->conflict_kind;
            report.duration = since(start);
            emit(std::move(report));
            continue;
        }
        // Needed.
        if (input.mode == RunMode::Check) {
            auto report = report_for(input, *step, StepStatus::Changed, check->reason);
            report.diff = check->diff;
            report.duration = since(start);
            emit(std::move(report));
            continue;
        }
        auto applied = step->apply(context, *check);
        if (!applied) {
            emit(failed_report(input, *step, applied.error(), start));
            continue;
        }
        auto refreshed = take_snapshot(input.executor, input.host, request);
        if (!refreshed) {
            emit(failed_report(input, *step, refreshed.error(), start));
            continue;
        }
        state = std::move(refreshed).value();
        StepContext after{input.inventory, input.host, input.executor, state, input.cluster, paths,
                          input.password,  input.mode, input.force};
        auto recheck = step->check(after);
        StepReport report = report_for(input, *step, StepStatus::Changed, check->reason);
        report.diff = check->diff;
        if (!recheck || recheck->state != CheckState::Done) {
            report.status = StepStatus::Failed;
            report.reason = fmt::format("{}: still not done after the change: {}", check->reason,
                                        recheck ? recheck->reason : describe(recheck.error()));
            report.hint = recheck ? recheck->hint : recheck.error().hint;
            report.failure = recheck ? ErrorKind::Conflict : recheck.error().kind;
        }
        report.duration = since(start);
        emit(std::move(report));
    }
    chain.final_facts = state.facts;
    return chain;
}

}  // namespace pgrepl
