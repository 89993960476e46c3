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

// Without pg_file_settings' entries: pg_settings' source file decides (it names the file of
// the running value, so a pending restart still shows the old file).
void judge_by_source(const std::vector<SettingRow>& rows, std::string_view managed_file_path,
                     SettingsJudgement& judgement) {
    for (const SettingRow& row : rows) {
        if (row.sourcefile == managed_file_path) continue;
        SettingConflict conflict;
        conflict.name = row.name;
        if (!row.sourcefile.empty()) {
            conflict.kind = ConflictKind::OtherFile;
            conflict.sourcefile = row.sourcefile;
            conflict.sourceline = row.sourceline;
            conflict.message = row.name + " is set in " + row.sourcefile + ":" +
                               std::to_string(row.sourceline) + ", which overrides " +
                               std::string(managed_file_path) +
                               (row.pending_restart ? " (a restart is pending)" : "");
        } else {
            conflict.kind = ConflictKind::NotApplied;
            conflict.message = row.name + " is not applied: its source is " + row.source +
                               (row.context == "postmaster" ? " (a restart applies it; if it "
                                                              "persists, is conf.d included?)"
                                                            : " (is conf.d included?)");
        }
        judgement.conflicts.push_back(std::move(conflict));
    }
}

/// The settings' names as a SQL list for IN (...): 'a', 'b' (NULL when there are none).
std::string name_list(const std::vector<ManagedSetting>& settings) {
    std::string names;
    for (const ManagedSetting& setting : settings) {
        if (!names.empty()) names += ", ";
        names += sql_literal(setting.name);
    }
    return names.empty() ? "NULL" : names;
}

}  // namespace

std::string pg_settings_query(const std::vector<ManagedSetting>& settings) {
    const std::string names = name_list(settings);
    std::vector<ManagedSetting> custom;
    for (const ManagedSetting& setting : settings)
        if (setting.name.find('.') != std::string::npos) custom.push_back(setting);
    std::string query = "SELECT name, " + clean("setting") +
                        ", coalesce(unit, ''), context, source, " + clean("sourcefile") +
                        ", coalesce(sourceline::text, ''), pending_restart FROM pg_settings "
                        "WHERE name IN (" +
                        names + ")";
    if (custom.empty()) return query + " ORDER BY name;\n";
    // A custom setting (prefix.name) that no loaded module defines is a placeholder, which
    // pg_settings leaves out: its row comes from current_setting() and the file that set it.
    return query + " UNION ALL SELECT n, " + clean("current_setting(n, true)") +
           ", '', 'user', 'configuration file', " + clean("f.sourcefile") +
           ", coalesce(f.sourceline::text, ''), false FROM unnest(ARRAY[" + name_list(custom) +
           "]::text[]) AS n LEFT JOIN LATERAL (SELECT sourcefile, sourceline FROM "
           "pg_file_settings WHERE lower(name) = n AND applied ORDER BY seqno DESC LIMIT 1) f "
           "ON true WHERE current_setting(n, true) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
           "pg_settings s WHERE s.name = n) ORDER BY 1;\n";
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

std::string pg_file_settings_query(const std::vector<ManagedSetting>& settings) {
    const std::string names = name_list(settings);
    return "SELECT lower(name), " + clean("sourcefile") + ", coalesce(sourceline::text, ''), " +
           "seqno, applied, " + clean("error") + " FROM pg_file_settings WHERE lower(name) IN (" +
           names + ") ORDER BY seqno;\n";
}

Result<std::vector<FileSettingRow>> parse_pg_file_settings(std::string_view psql_output) {
    auto table = parse_psql_table(psql_output, 6, "pg_file_settings");
    if (!table) return table.error();
    std::vector<FileSettingRow> rows;
    for (std::vector<std::string>& fields : *table) {
        FileSettingRow row;
        row.name = std::move(fields[0]);
        row.sourcefile = std::move(fields[1]);
        const std::optional<std::int64_t> line = parse_int(fields[2]);
        const std::optional<std::int64_t> seqno = parse_int(fields[3]);
        const std::optional<bool> applied = parse_psql_bool(fields[4]);
        if ((!fields[2].empty() && !line) || !seqno || !applied) {
            return make_error(
                ErrorKind::Remote,
                "unexpected psql output for pg_file_settings: bad row for " + row.name);
        }
        row.sourceline = line ? static_cast<int>(*line) : 0;
        row.seqno = static_cast<int>(*seqno);
        row.applied = *applied;
        row.error = std::move(fields[5]);
        rows.push_back(std::move(row));
    }
    return rows;
}

SettingsJudgement judge_settings(const std::vector<SettingRow>& rows,
                                 const std::vector<FileSettingRow>& files,
                                 std::string_view managed_file_path) {
    SettingsJudgement judgement;
    if (files.empty()) {
        judge_by_source(rows, managed_file_path, judgement);
        return judgement;
    }
    for (const SettingRow& row : rows) {
        // The entry that wins: the applied one, else the last one read.
        const FileSettingRow* winner = nullptr;
        for (const FileSettingRow& entry : files) {
            if (entry.name != row.name) continue;
            if (winner != nullptr && winner->applied) continue;
            if (entry.applied || winner == nullptr || entry.seqno > winner->seqno) winner = &entry;
        }
        SettingConflict conflict;
        conflict.name = row.name;
        if (winner != nullptr && winner->sourcefile == managed_file_path) {
            if (winner->error.empty()) continue;
            if (row.pending_restart) {
                judgement.pending_restart.push_back(row.name);
                continue;
            }
            conflict.kind = ConflictKind::Invalid;
            conflict.sourcefile = winner->sourcefile;
            conflict.sourceline = winner->sourceline;
            conflict.message =
                row.name + " in " + winner->sourcefile + ":" + std::to_string(winner->sourceline) +
                " is not applied: " + winner->error + " (is the value valid? see the server log)";
        } else if (winner != nullptr) {
            conflict.kind = ConflictKind::OtherFile;
            conflict.sourcefile = winner->sourcefile;
            conflict.sourceline = winner->sourceline;
            conflict.message = row.name + " is set in " + winner->sourcefile + ":" +
                               std::to_string(winner->sourceline) + ", which overrides " +
                               std::string(managed_file_path);
        } else {
            conflict.kind = ConflictKind::NotApplied;
            conflict.message = row.name + " is not applied: no configuration file sets it (the " +
                               "server uses its " + row.source + " value; is conf.d included?)";
        }
        judgement.conflicts.push_back(std::move(conflict));
    }
    return judgement;
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
