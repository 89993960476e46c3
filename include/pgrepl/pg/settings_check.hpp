// Checking that the managed settings are the ones the server actually uses (pg_settings).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/pg/settings.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// One row of pg_settings as returned by pg_settings_query().
struct SettingRow {
    std::string name;              ///< parameter name
    std::string setting;           ///< current value, in the parameter's base unit
    std::string unit;              ///< unit of `setting` ("8kB", "MB", "s"...) or empty
    std::string context;           ///< when it can change: postmaster, sighup, superuser, user...
    std::string source;            ///< default, configuration file, command line, override...
    std::string sourcefile;        ///< file it was set in, empty when not from a file
    int sourceline = 0;            ///< line in sourcefile, 0 when none
    bool pending_restart = false;  ///< the file holds a value that needs a restart
};

/// A SQL query over pg_settings for the given settings' names, one line per known parameter in
/// name order, for `psql -X -At -F '|'`: name|setting|unit|context|source|sourcefile|sourceline
/// |pending_restart. sourcefile needs a superuser (or pg_read_all_settings); pending_restart
/// exists from 9.5. '|' and newlines in values are replaced by spaces.
std::string pg_settings_query(const std::vector<ManagedSetting>& settings);

/// Parses the output of pg_settings_query(); an Error (Remote) when a line is malformed.
Result<std::vector<SettingRow>> parse_pg_settings(std::string_view psql_output);

/// Why a managed setting is not in effect.
enum class ConflictKind {
    OtherFile,   ///< set in another file read later (postgresql.auto.conf, a later include)
    NotApplied,  ///< not set from any file: our file is not loaded, or a restart is pending
};

/// A managed setting whose effective value does not come from the managed file.
struct SettingConflict {
    std::string name;                             ///< parameter name
    ConflictKind kind = ConflictKind::OtherFile;  ///< what is wrong
    std::string sourcefile;                       ///< the file that wins (OtherFile), else empty
    int sourceline = 0;                           ///< its line, 0 when unknown
    std::string message;  ///< one line for the user, e.g. "wal_level is set in X:3"
};

/// The rows whose value does not come from `managed_file_path` (absolute, as the server reports
/// it: /etc/postgresql/V/NAME/conf.d/FILE). A row from another file is an
/// OtherFile conflict naming that file and line; a row with no source file is NotApplied (for
/// a postmaster-context parameter the message says a restart may be pending, since the server
/// keeps the old source until restarted). Values are not compared: the source file decides.
std::vector<SettingConflict> find_setting_conflicts(const std::vector<SettingRow>& rows,
                                                    std::string_view managed_file_path);

/// The names of `settings` that have no row in `rows`: parameters unknown to the server
/// (a misspelt inventory setting or an extension not loaded), in settings order.
std::vector<std::string> missing_settings(const std::vector<ManagedSetting>& settings,
                                          const std::vector<SettingRow>& rows);

}  // namespace pgrepl
