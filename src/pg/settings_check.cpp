#include "pgrepl/pg/settings_check.hpp"

#include <algorithm>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"

namespace pgrepl {
namespace {

/// A text expression with '|', newline and carriage return replaced by spaces.
std::string clean(std::string_view expression) {
    return "translate(coalesce(" + std::string(expression) +
           ", ''), chr(124) || chr(10) || chr(13), '   ')";
}

}  // namespace

std::string pg_settings_query(const std::vector<ManagedSetting>& settings) {
    std::string names;
    for (const ManagedSetting& setting : settings) {
        if (!names.empty()) names += ", ";
        names += sql_literal(setting.name);
    }
    if (names.empty()) names = "NULL";
    return "SELECT name, " + clean("setting") + ", coalesce(unit, ''), context, source, " +
           clean("sourcefile") +
           ", coalesce(sourceline::text, ''), pending_restart FROM pg_settings WHERE name IN (" +
           names + ") ORDER BY name;\n";
}

Result<std::vector<SettingRow>> parse_pg_settings(std::string_view psql_output) {
    auto table = parse_psql_table(psql_output, 8, "pg_settings");
    if (!table) return table.error();
    std::vector<SettingRow> rows;
    for (std::vector<std::string>& fields : *table) {
        SettingRow row;
        row.name = std::move(fields[0]);
        row.setting = std::move(fields[1]);
        row.unit = std::move(fields[2]);
        row.context = std::move(fields[3]);
        row.source = std::move(fields[4]);
        row.sourcefile = std::move(fields[5]);
        const std::optional<std::int64_t> line = parse_int(fields[6]);
        const std::optional<bool> pending = parse_psql_bool(fields[7]);
        if ((!fields[6].empty() && !line) || !pending) {
            return make_error(ErrorKind::Remote,
                              "unexpected psql output for pg_settings: bad row for " + row.name);
        }
        row.sourceline = line ? static_cast<int>(*line) : 0;
        row.pending_restart = *pending;
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<SettingConflict> find_setting_conflicts(const std::vector<SettingRow>& rows,
                                                    std::string_view managed_file_path) {
    std::vector<SettingConflict> conflicts;
    for (const SettingRow& row : rows) {
        if (row.sourcefile == managed_file_path) continue;
        SettingConflict conflict;
        conflict.name = row.name;
        const std::string restart_note =
            row.pending_restart ? " (a restart is pending: check again after it)" : "";
        if (!row.sourcefile.empty()) {
            conflict.kind = ConflictKind::OtherFile;
            conflict.sourcefile = row.sourcefile;
            conflict.sourceline = row.sourceline;
            conflict.message = row.name + " is set in " + row.sourcefile + ":" +
                               std::to_string(row.sourceline) + ", which overrides " +
                               std::string(managed_file_path) + restart_note;
        } else {
            conflict.kind = ConflictKind::NotApplied;
            if (row.context == "postmaster") {
                conflict.message = row.name + " is not applied: the server still uses its " +
                                   row.source +
                                   " value (a restart applies it; if it persists, is conf.d "
                                   "included?)";
            } else {
                conflict.message = row.name + " is not applied: its source is " + row.source +
                                   " (is conf.d included?)";
            }
        }
        conflicts.push_back(std::move(conflict));
    }
    return conflicts;
}

std::vector<std::string> missing_settings(const std::vector<ManagedSetting>& settings,
                                          const std::vector<SettingRow>& rows) {
    std::vector<std::string> missing;
    for (const ManagedSetting& setting : settings) {
        const bool found = std::any_of(rows.begin(), rows.end(), [&](const SettingRow& row) {
            return row.name == setting.name;
        });
        if (!found) missing.push_back(setting.name);
    }
    return missing;
}

}  // namespace pgrepl
