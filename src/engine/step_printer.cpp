#include "pgrepl/engine/step_printer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace pgrepl {

StepPrinter::StepPrinter(std::ostream& out, RunMode mode, ShowDiffs show_diffs,
                         std::vector<std::string> host_order, std::size_t step_width)
    : out_(out),
      mode_(mode),
      show_diffs_(show_diffs),
      host_order_(std::move(host_order)),
      step_width_(step_width) {
    for (const auto& host : host_order_) host_width_ = std::max(host_width_, host.size());
}

void StepPrinter::print(const StepReport& report) {
    std::lock_guard lock(mutex_);
    auto& counts = counts_[report.host];
    switch (report.status) {
        case StepStatus::Ok:
            ++counts.ok;
            break;
        case StepStatus::Changed:
            ++counts.changed;
            break;
        case StepStatus::Failed:
            ++counts.failed;
            break;
        case StepStatus::Skipped:
            ++counts.skipped;
            break;
    }
    // The first failure decides, unless a later one is a refusal for safety.
    if (report.status == StepStatus::Failed && (!failure_ || report.refused()))
        failure_ = report.failure.value_or(ErrorKind::Internal);
    reports_.push_back(report);
    const char* status = report.status == StepStatus::Changed && mode_ == RunMode::Check
                             ? "would change"
                             : to_string(report.status);
    out_ << fmt::format("{:<{}}  {:<{}} {:<8} {}{}\n", report.host, host_width_, report.step,
                        step_width_, status, report.reason,
                        report.duration.count() >= 1000
                            ? fmt::format(" ({:.1f} s)", report.duration.count() / 1000.0)
                            : std::string());
    const bool show = report.status == StepStatus::Changed &&
                      (mode_ == RunMode::Check || show_diffs_ == ShowDiffs::Yes) &&
                      !report.diff.empty();
    if (show) {
        std::size_t pos = 0;
        while (pos < report.diff.size()) {
            auto end = report.diff.find('\n', pos);
            if (end == std::string::npos) end = report.diff.size();
            out_ << std::string(host_width_ + 4, ' ')
                 << std::string_view(report.diff).substr(pos, end - pos) << '\n';
            pos = end + 1;
        }
    }
    out_.flush();
    if (report.status == StepStatus::Failed) {
        // An error of this host is shown with its own step; anything else (a conflict, another
        // host's error) as this step's failure, its reason after this host and step.
        if (report.error && report.error->host == report.host) {
            spdlog::error("{}", describe(*report.error));
        } else {
            spdlog::error("{}: {}: {}", report.host, report.step, report.reason);
        }
        if (!report.hint.empty()) spdlog::error("hint: {}", report.hint);
    }
}

void StepPrinter::recap() {
    std::lock_guard lock(mutex_);
    out_ << "\nRECAP" << (mode_ == RunMode::Check ? " (check mode: nothing was changed)" : "")
         << '\n';
    for (const auto& host : host_order_) {
        auto it = counts_.find(host);
        if (it == counts_.end()) continue;
        const auto& c = it->second;
        out_ << fmt::format("{:<{}}  ok={:<3} {}={:<3} failed={:<3} skipped={}\n", host,
                            host_width_, c.ok, mode_ == RunMode::Check ? "would-change" : "changed",
                            c.changed, c.failed, c.skipped);
    }
    out_.flush();
}

std::optional<ErrorKind> StepPrinter::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

std::vector<StepReport> StepPrinter::reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
}

}  // namespace pgrepl
