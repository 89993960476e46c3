// What makes a node a hot standby: recovery.conf before 12, standby.signal and settings from 12,
// and the password file the WAL receiver reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/pg/settings.hpp"

namespace pgrepl {

/// Everything render_standby() needs about a replica and its upstream.
struct StandbyInput {
    PgVersion version;                     ///< the replica's major version
    std::string upstream_host;             ///< address of the upstream server
    int upstream_port = 5432;              ///< port of the upstream server
    std::string user;                      ///< replication role
    std::string application_name;          ///< how the upstream names this replica (host name)
    std::string passfile;                  ///< password file path (libpq `passfile`, 10+)
    std::optional<std::string> slot_name;  ///< physical slot on the upstream, if slots are used
    std::string restore_command;           ///< restore_command, empty for none
    std::string archive_cleanup_command;   ///< archive_cleanup_command, empty for none
    std::string trigger_file;              ///< before 12: trigger_file path, empty for none
};

/// The libpq connection string of the WAL receiver:
/// `host=H port=P user=U application_name=A passfile=F sslmode=prefer`, each value quoted
/// only when needed (conninfo_value). Never a password: it comes from the passfile. Before 10
/// libpq has no `passfile` keyword, so it is left out and the password must be in the
/// postgres user's ~/.pgpass (/var/lib/postgresql/.pgpass on Debian).
std::string primary_conninfo(const StandbyInput& input);

/// The files that make a node a standby.
struct StandbyFiles {
    std::optional<std::string> recovery_conf;  ///< before 12: content of DATA/recovery.conf
    std::vector<ManagedSetting> settings;      ///< 12+: settings for a managed conf.d file
    bool standby_signal = false;               ///< 12+: create DATA/standby.signal
};

/// Before 12: recovery.conf with standby_mode, primary_conninfo, primary_slot_name (when a
/// slot is used), trigger_file (when given), restore_command and archive_cleanup_command (when
/// given) and recovery_target_timeline = 'latest'. From 12: standby.signal plus the settings
/// primary_conninfo, primary_slot_name, restore_command, archive_cleanup_command (same
/// conditions) and recovery_target_timeline. Throws std::invalid_argument on values a conf file cannot hold.
StandbyFiles render_standby(const StandbyInput& input);

/// One line of a libpq password file.
struct PassfileEntry {
    std::string host;                      ///< host name or address, or * for any
    int port = 5432;                       ///< server port
    std::string database = "replication";  ///< database; replication connections use replication
    std::string user;                      ///< role name
    std::string password;                  ///< the secret
};

/// A password file (mode 0600): a `# Managed by pgrepl` comment line, then one
/// `host:port:database:user:password` line per entry, fields pgpass_escape'd except a lone *
/// which stays a wildcard. Throws std::invalid_argument on a newline or NUL in a field.
std::string render_passfile(const std::vector<PassfileEntry>& entries);

}  // namespace pgrepl
