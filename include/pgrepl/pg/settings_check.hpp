// Checking that the managed settings are the ones the server actually uses (pg_settings).
#pragma once

#include <optional>
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

/// One row of pg_file_settings as returned by pg_file_settings_query(): an entry of a
/// configuration file, as the server reads the files now (not as it read them at start).
struct FileSettingRow {
    std::string name;        ///< parameter name, lower case
    std::string sourcefile;  ///< the file of the entry
    int sourceline = 0;      ///< its line
    int seqno = 0;           ///< read order: the highest seqno of a name is the last one read
    bool applied = false;    ///< the server runs with this entry's value
    std::string error;       ///< why it is not applied ("setting could not be applied"), or empty
};

/// A SQL query over pg_file_settings for the given settings' names, one line per entry in read
/// order, for `psql -X -At -F '|'`: name|sourcefile|sourceline|seqno|applied|error. Needs a
/// superuser; exists from 9.5.
std::string pg_file_settings_query(const std::vector<ManagedSetting>& settings);

/// Parses the output of pg_file_settings_query(); an Error (Remote) when a line is malformed.
Result<std::vector<FileSettingRow>> parse_pg_file_settings(std::string_view psql_output);

/// Why a managed setting is not in effect.
enum class ConflictKind {
    OtherFile,   ///< another file read later sets it (postgresql.auto.conf, a later include)
    NotApplied,  ///< no file sets it: our file is not loaded
    Invalid,     ///< our entry wins but the server could not apply it (a bad value)
};

/// A managed setting whose effective value does not come from the managed file.
struct SettingConflict {
    std::string name;                             ///< parameter name
    ConflictKind kind = ConflictKind::OtherFile;  ///< what is wrong
    std::string sourcefile;                       ///< the file that wins (OtherFile), else empty
    int sourceline = 0;                           ///< its line, 0 when unknown
    std::string message;  ///< one line for the user, e.g. "wal_level is set in X:3"
};

/// What the server makes of the managed settings.
struct SettingsJudgement {
    std::vector<SettingConflict> conflicts;  ///< settings that another file or the server defeats
    /// Settings whose managed entry wins but waits for a restart (postmaster context): a restart
    /// reason, not a conflict.
    std::vector<std::string> pending_restart;
};

/// Judges each pg_settings row of a managed setting by the entry of the configuration files
/// that wins for its name (pg_file_settings: the applied entry, else the last one read). The
/// managed file's entry wins: in effect, or pending a restart when the server says so
/// (pending_restart), else Invalid. Another file's entry wins: OtherFile naming that file and
/// line, also while a restart is pending. No file sets it: NotApplied. Without any file entry
/// (`files` empty) pg_settings' source file decides. `managed_file_path` is
/// absolute, as the server reports it (/etc/postgresql/V/NAME/conf.d/FILE).
SettingsJudgement judge_settings(const std::vector<SettingRow>& rows,
                                 const std::vector<FileSettingRow>& files,
                                 std::string_view managed_file_path);

/// Whether `setting` (as rendered in the managed file) differs from the value the server runs
/// with (`row`, in its base unit): sizes and times are compared in bytes and milliseconds,
/// booleans and words without case. std::nullopt when the two cannot be compared.
std::optional<bool> setting_differs(const ManagedSetting& setting, const SettingRow& row);

/// The parameters a hot standby needs at least its upstream's value of (max_connections,
/// max_prepared_transactions, max_locks_per_transaction, max_wal_senders,
/// max_worker_processes): below it, recovery pauses (14+) or the standby shuts down.
bool is_hot_standby_parameter(std::string_view name);

/// The hot-standby parameters that the managed settings raise or lower on a host.
struct HotStandbyChange {
    std::vector<std::string> rising;   ///< desired value above the running one
    std::vector<std::string> falling;  ///< desired value below the running one
};

/// Compares the desired hot-standby parameters with the running ones (`running`: pg_settings
/// rows of a running server; a name without a row or with a non-integer value is left out).
HotStandbyChange hot_standby_change(const std::vector<ManagedSetting>& desired,
                                    const std::vector<SettingRow>& running);

/// The names of `settings` that have no row in `rows`: parameters unknown to the server
/// (a misspelt inventory setting or an extension not loaded), in settings order.
std::vector<std::string> missing_settings(const std::vector<ManagedSetting>& settings,
                                          const std::vector<SettingRow>& rows);

}  // namespace pgrepl
