// Comparing a value written in the managed file with the value the server runs with.
#include <cmath>
#include <cstdlib>
#include <utility>

#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/settings_check.hpp"

namespace pgrepl {
namespace {

/// A number and the unit after it ("64MB" -> 64, "MB"); std::nullopt when it is no number.
std::optional<std::pair<double, std::string>> split_number(std::string_view text) {
    const std::string owned(text);
    char* end = nullptr;
    const double number = std::strtod(owned.c_str(), &end);
    if (end == owned.c_str() || !std::isfinite(number)) return std::nullopt;
    std::string unit(end);
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    return std::make_pair(number, unit);
}

/// How many bytes or microseconds one `unit` is ("8kB" -> 8192, "min" -> 60e6); 0 when unknown.
double unit_scale(std::string_view unit) {
    const std::pair<std::string_view, double> units[] = {{"B", 1.0},
                                                         {"kB", 1024.0},
                                                         {"MB", 1048576.0},
                                                         {"GB", 1073741824.0},
                                                         {"TB", 1099511627776.0},
                                                         {"us", 1.0},
                                                         {"ms", 1e3},
                                                         {"s", 1e6},
                                                         {"min", 60e6},
                                                         {"h", 3600e6},
                                                         {"d", 86400e6}};
    // pg_settings' units may carry a factor: "8kB", "16MB".
    auto number = split_number(unit);
    const double factor = number ? number->first : 1.0;
    const std::string_view name = number ? std::string_view(number->second) : unit;
    for (const auto& [known, scale] : units) {
        if (name == known) return factor * scale;
    }
    return 0.0;
}

/// "on" or "off" for PostgreSQL's spellings of a boolean, else std::nullopt.
std::optional<std::string> boolean(std::string text) {
    for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const char* yes : {"on", "true", "yes", "1", "t", "y"})
        if (text == yes) return std::string("on");
    for (const char* no : {"off", "false", "no", "0", "f", "n", "of"})
        if (text == no) return std::string("off");
    return std::nullopt;
}

}  // namespace

std::optional<bool> setting_differs(const ManagedSetting& setting, const SettingRow& row) {
    const std::string value = conf_unquote(setting.value);
    if (row.setting == "on" || row.setting == "off") {
        const auto wanted = boolean(value);
        if (!wanted) return std::nullopt;
        return *wanted != row.setting;
    }
    const auto running = split_number(row.setting);
    if (running && running->second.empty()) {
        const auto wanted = split_number(value);
        if (!wanted) return std::nullopt;
        if (row.unit.empty() && wanted->second.empty()) return wanted->first != running->first;
        const double base = row.unit.empty() ? 1.0 : unit_scale(row.unit);
        const double scale = wanted->second.empty() ? base : unit_scale(wanted->second);
        if (base == 0.0 || scale == 0.0) return std::nullopt;
        return std::fabs(wanted->first * scale - running->first * base) > 0.5;
    }
    return value != row.setting;
}

bool is_hot_standby_parameter(std::string_view name) {
    for (std::string_view known :
         {"max_connections", "max_prepared_transactions", "max_locks_per_transaction",
          "max_wal_senders", "max_worker_processes"}) {
        if (name == known) return true;
    }
    return false;
}

HotStandbyChange hot_standby_change(const std::vector<ManagedSetting>& desired,
                                    const std::vector<SettingRow>& running) {
    HotStandbyChange change;
    for (const ManagedSetting& setting : desired) {
        if (!is_hot_standby_parameter(setting.name)) continue;
        for (const SettingRow& row : running) {
            if (row.name != setting.name) continue;
            const auto wanted = split_number(conf_unquote(setting.value));
            const auto now = split_number(row.setting);
            if (!wanted || !now || !wanted->second.empty() || !now->second.empty()) continue;
            if (wanted->first > now->first) change.rising.push_back(setting.name);
            if (wanted->first < now->first) change.falling.push_back(setting.name);
        }
    }
    return change;
}

}  // namespace pgrepl
