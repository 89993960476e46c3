#include "pgrepl/verify/report.hpp"

#include <fmt/format.h>

#include <cmath>

namespace pgrepl {

const char* to_string(CheckStatus status) {
    switch (status) {
        case CheckStatus::Ok:
            return "ok";
        case CheckStatus::Warning:
            return "warning";
        case CheckStatus::Failed:
            return "failed";
        case CheckStatus::Skipped:
            return "skipped";
    }
    return "failed";
}

const char* to_string(LagSource source) {
    switch (source) {
        case LagSource::Replication:
            return "pg_stat_replication";
        case LagSource::CaughtUp:
            return "caught_up";
        case LagSource::None:
            return "none";
    }
    return "none";
}

std::string format_bytes(std::int64_t bytes) {
    if (bytes < 0) return "-";
    if (bytes < 1024) return fmt::format("{} B", bytes);
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
        value /= 1024.0;
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string format_seconds(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "-";
    if (seconds < 60) return fmt::format("{:.1f} s", seconds);
    const auto whole = static_cast<long long>(std::llround(seconds));
    if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
    if (whole < 100 * 3600) return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
    return fmt::format("{}d{:02}h", whole / 86400, (whole % 86400) / 3600);
}

bool HostReport::healthy() const {
    for (const auto& check : checks) {
        if (check.status == CheckStatus::Failed) return false;
    }
    return true;
}

const CheckResult* HostReport::check(const std::string& name) const {
    for (const auto& check : checks) {
        if (check.name == name) return &check;
    }
    return nullptr;
}

bool VerifyReport::healthy() const {
    if (hosts.empty()) return false;
    for (const auto& host : hosts) {
        if (!host.healthy()) return false;
    }
    return true;
}

std::vector<Problem> VerifyReport::problems() const {
    std::vector<Problem> problems;
    for (CheckStatus wanted : {CheckStatus::Failed, CheckStatus::Warning}) {
        for (const auto& host : hosts) {
            for (const auto& check : host.checks) {
                if (check.status != wanted) continue;
                problems.push_back(
                    {host.host().name, check.name, check.status, check.message, check.hint});
            }
        }
    }
    return problems;
}

ExitCode verdict_exit_code(const VerifyReport& report) {
    return report.healthy() ? ExitCode::Ok : ExitCode::Failed;
}

}  // namespace pgrepl
