#include "pgrepl/engine/run_report.hpp"

#include <algorithm>
#include <map>

#include "pgrepl/util/json.hpp"

namespace pgrepl {
namespace {

Json text_or_null(const std::string& text) {
    return text.empty() ? Json() : Json(text);
}

Json millis_or_null(const std::optional<std::chrono::milliseconds>& value) {
    return value ? Json(value->count()) : Json();
}

struct Counts {
    int ok = 0, changed = 0, failed = 0, skipped = 0;
    void add(StepStatus status) {
        switch (status) {
            case StepStatus::Ok:
                ++ok;
                break;
            case StepStatus::Changed:
                ++changed;
                break;
            case StepStatus::Failed:
                ++failed;
                break;
            case StepStatus::Skipped:
                ++skipped;
                break;
        }
    }
    void into(Json& object) const {
        object["ok"] = ok;
        object["changed"] = changed;
        object["failed"] = failed;
        object["skipped"] = skipped;
    }
};

}  // namespace

RunReport new_run_report(std::string command, RunMode mode, ExitCode exit_code,
                         const Inventory& inventory) {
    RunReport report;
    report.command = std::move(command);
    report.mode = mode;
    report.exit_code = exit_code;
    report.outcome = outcome_of(exit_code);
    for (const auto& host : inventory.hosts) report.hosts.push_back(host.name);
    return report;
}

StepReport make_step_report(std::string host, std::string step, StepStatus status,
                            std::string reason, std::chrono::milliseconds duration) {
    StepReport report;
    report.host = std::move(host);
    report.step = std::move(step);
    report.status = status;
    report.reason = std::move(reason);
    report.duration = duration;
    return report;
}

const char* outcome_of(ExitCode code) {
    switch (code) {
        case ExitCode::Ok:
            return "ok";
        case ExitCode::Refused:
            return "refused";
        case ExitCode::Usage:
            return "usage";
        case ExitCode::Failed:
            break;
    }
    return "failed";
}

std::string run_report_json(const RunReport& report) {
    Counts totals;
    std::map<std::string, Counts> counts;
    std::map<std::string, Json> steps;
    std::vector<std::string> order = report.hosts;
    for (const auto& step : report.steps) {
        totals.add(step.status);
        counts[step.host].add(step.status);
        if (steps.count(step.host) == 0) {
            steps[step.host] = Json::array();
            if (std::find(order.begin(), order.end(), step.host) == order.end())
                order.push_back(step.host);
        }
        steps[step.host].push_back(
            {{"step", step.step},
             {"status", to_string(step.status)},
             {"reason", step.reason},
             {"hint", text_or_null(step.hint)},
             {"diff", text_or_null(step.diff)},
             {"duration_ms", step.duration.count()},
             {"error_kind", step.failure ? Json(to_string(*step.failure)) : Json()}});
    }
    Json hosts = Json::array();
    for (const auto& name : order) {
        Json host = {{"name", name}};
        counts[name].into(host);
        host["steps"] = steps.count(name) != 0 ? steps[name] : Json::array();
        hosts.push_back(std::move(host));
    }
    Json total = Json::object();
    totals.into(total);
    Json document = {{"format", kRunJsonFormat},
                     {"command", report.command},
                     {"mode", report.mode == RunMode::Check ? "check" : "apply"},
                     {"exit_code", to_int(report.exit_code)},
                     {"outcome", report.outcome},
                     {"message", text_or_null(report.message)},
                     {"hint", text_or_null(report.hint)},
                     {"target", json_value(report.target)},
                     {"timeline", json_value(report.timeline)},
                     {"writable_after_ms", millis_or_null(report.writable_after)},
                     {"unavailable_ms", millis_or_null(report.unavailable)},
                     {"duration_ms", report.duration.count()},
                     {"totals", std::move(total)},
                     {"hosts", std::move(hosts)}};
    if (report.verify_document)
        document["verify"] = Json::parse(*report.verify_document, nullptr, false);
    return document.dump(2);
}

}  // namespace pgrepl
