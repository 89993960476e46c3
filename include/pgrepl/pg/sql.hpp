// SQL text for roles, replication slots and server state. The caller sends it to
// `psql -X -At -F '|' -v ON_ERROR_STOP=1` on standard input (never in argv: it may hold the
// replication password) as the postgres superuser, and parses the output with the matching
// parse_* function. Queries replace '|' and line breaks in free-text columns by spaces.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

// ---- Roles -------------------------------------------------------------------------------

/// How a role's password is stored (pg_authid.rolpassword).
enum class PasswordKind { None, Md5, Scram, Other };

/// The replication role as seen by role_probe_sql().
struct RoleInfo {
    bool replication = false;  ///< rolreplication
    bool can_login = false;    ///< rolcanlogin
    bool superuser = false;    ///< rolsuper: pgrepl refuses to manage a superuser role
    PasswordKind password = PasswordKind::None;  ///< how its password is stored
};

/// The session settings sent before a statement that holds a password: they keep it out of
/// the server log and audit (log_statement, log_min_duration_statement,
/// log_min_error_statement, pgaudit.log) and choose the hash (password_encryption =
/// 'scram-sha-256' from 10, `on` (md5) on 9.6).
std::string password_sql_preamble(PgVersion version);

/// One row `t|rolreplication|rolcanlogin|rolsuper|none|md5|scram|other` for the role, or no
/// row when it does not exist. Reads pg_authid: needs a superuser.
std::string role_probe_sql(std::string_view user);

/// Parses role_probe_sql() output: std::nullopt when the role does not exist.
Result<std::optional<RoleInfo>> parse_role_probe(std::string_view out);

/// `CREATE ROLE "user" WITH LOGIN REPLICATION NOSUPERUSER PASSWORD '...'`, preceded by session
/// settings keeping the statement out of the server log and audit (log_statement,
/// log_min_duration_statement, log_min_error_statement, pgaudit.log) and choosing the hash:
/// password_encryption = 'scram-sha-256' from 10, `on` (md5) on 9.6. The password appears only
/// inside a SQL literal: send the text on stdin and never log it.
std::string create_role_sql(PgVersion version, std::string_view user, std::string_view password);

/// Like create_role_sql() but `ALTER ROLE "user" WITH LOGIN REPLICATION PASSWORD '...'` for an
/// existing role (it does not touch SUPERUSER: the caller refuses superuser roles first).
std::string alter_role_sql(PgVersion version, std::string_view user, std::string_view password);

// ---- Replication slots -------------------------------------------------------------------

/// One row of pg_replication_slots.
struct SlotInfo {
    std::string name;         ///< slot_name
    std::string type;         ///< physical or logical
    bool active = false;      ///< a walsender uses it now
    std::string restart_lsn;  ///< oldest WAL it retains, empty when none
    /// wal_status (13+): reserved, extended, unreserved (the WAL it needs is past
    /// max_slot_wal_keep_size and goes at the next checkpoint) or lost; empty before 13
    std::string wal_status;
    std::string safe_wal_size;  ///< bytes writable before the slot is lost (13+), empty: none
};

/// True when a slot's wal_status says its standby can no longer count on the slot: the WAL it
/// needs is past max_slot_wal_keep_size (unreserved) or already removed (lost).
bool slot_wal_at_risk(const SlotInfo& slot);

/// True for a valid slot name: 1 to 63 characters of [a-z0-9_].
bool is_valid_slot_name(std::string_view name);

/// The slot name pgrepl uses for a replica: the host name lower-cased, every character outside
/// [a-z0-9_] ('-' in practice) replaced by '_', cut to 63 characters. Throws
/// std::invalid_argument on an empty host name.
std::string slot_name_for(std::string_view host_name);

/// Rows `slot_name|slot_type|active|restart_lsn|wal_status|safe_wal_size` of every slot, by
/// name. The same text on every version: the two 13+ columns are read through to_jsonb of
/// the row, so they are empty before 13.
std::string slot_list_sql();

/// Parses slot_list_sql() output.
Result<std::vector<SlotInfo>> parse_slot_list(std::string_view out);

/// Creates the physical slot reserving WAL at once, unless it already exists (idempotent:
/// one output row when created, none otherwise). Throws std::invalid_argument on an invalid
/// name.
std::string create_slot_sql(std::string_view name);

/// Drops those of the named slots that are physical and inactive, in one statement; one row per
/// slot dropped, its name (a slot that became active meanwhile is left alone). Throws
/// std::invalid_argument on an invalid name.
std::string drop_inactive_slots_sql(const std::vector<std::string>& names);

/// Drops the slot if it exists (fails while it is active). Throws std::invalid_argument on an
/// invalid name.
std::string drop_slot_sql(std::string_view name);

// ---- Server state ------------------------------------------------------------------------

/// `SELECT pg_is_in_recovery();`: one row t or f.
std::string is_in_recovery_sql();

/// Parses is_in_recovery_sql() output.
Result<bool> parse_is_in_recovery(std::string_view out);

/// `SHOW server_version_num;`: one row like 150004.
std::string server_version_sql();

/// Parses server_version_sql() output into a major version (90624 gives 9.6, 150004 gives 15).
Result<PgVersion> parse_server_version(std::string_view out);

/// The WAL functions of a version (renamed from xlog/location to wal/lsn in 10).
struct WalFunctions {
    const char* current;        ///< pg_current_wal_lsn()
    const char* receive;        ///< pg_last_wal_receive_lsn()
    const char* replay;         ///< pg_last_wal_replay_lsn()
    const char* replay_paused;  ///< pg_is_wal_replay_paused()
    const char* walfile_name;   ///< pg_walfile_name (a function name, without arguments)
};

/// The WAL function names for `version`, for building version-aware queries.
WalFunctions wal_functions(PgVersion version);

/// The last WAL position replayed by a standby (pg_last_wal_replay_lsn, or
/// pg_last_xlog_replay_location before 10); empty output (NULL) on a primary.
std::string replay_lsn_sql(PgVersion version);

/// The current WAL write position of a primary (pg_current_wal_lsn, or
/// pg_current_xlog_location before 10); fails on a standby.
std::string current_lsn_sql(PgVersion version);

/// Parses the output of a one-LSN query: the LSN text, std::nullopt when it was NULL.
Result<std::optional<std::string>> parse_single_lsn(std::string_view out);

/// The cluster's system identifier from pg_control_system() (9.6+): one row of digits.
std::string system_identifier_sql();

/// Parses system_identifier_sql() output (kept as text: it is only compared).
Result<std::string> parse_system_identifier(std::string_view out);

/// `SELECT pg_promote(true, wait_seconds);` from 12 (one row: t when promoted in time);
/// std::nullopt before 12, where the caller runs `pg_ctlcluster V NAME promote` instead.
std::optional<std::string> promote_sql(PgVersion version, int wait_seconds = 60);

}  // namespace pgrepl
