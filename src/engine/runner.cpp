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

}  // namespace

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
            auto report =
                report_for(input, *step, chain.failed ? StepStatus::Skipped : StepStatus::Failed,
                           chain.failed ? "an earlier step failed" : snapshot.error().message);
            report.hint = chain.failed ? "" : snapshot.error().hint;
            if (!chain.failed) report.failure = snapshot.error().kind;
            emit(std::move(report));
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
            auto report = report_for(input, *step, StepStatus::Failed, check.error().message);
            report.hint = check.error().hint;
            report.failure = check.error().kind;
            report.duration = since(start);
            emit(std::move(report));
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
            auto report = report_for(input, *step, StepStatus::Failed, applied.error().message);
            report.hint = applied.error().hint;
            report.failure = applied.error().kind;
            report.duration = since(start);
            emit(std::move(report));
            continue;
        }
        auto refreshed = take_snapshot(input.executor, input.host, request);
        if (!refreshed) {
            auto report = report_for(input, *step, StepStatus::Failed, refreshed.error().message);
            report.hint = refreshed.error().hint;
            report.failure = refreshed.error().kind;
            report.duration = since(start);
            emit(std::move(report));
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
                                        recheck ? recheck->reason : recheck.error().message);
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
