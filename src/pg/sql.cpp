#include "pgrepl/pg/sql.hpp"

#include <stdexcept>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"

namespace pgrepl {
namespace {

void require_slot_name(std::string_view name) {
    if (!is_valid_slot_name(name)) {
        throw std::invalid_argument("invalid replication slot name: " + std::string(name));
    }
}

Error bad_output(std::string_view what, std::string_view detail) {
    return make_error(ErrorKind::Remote, "unexpected psql output for " + std::string(what) + ": " +
                                             std::string(detail));
}

/// The single field of a one-row, one-column result.
Result<std::optional<std::string>> single_value(std::string_view out, std::string_view what) {
    auto table = parse_psql_table(out, 1, what);
    if (!table) return table.error();
    if (table->empty()) return std::optional<std::string>();
    if (table->size() > 1) return bad_output(what, "more than one row");
    return std::optional<std::string>((*table)[0][0]);
}

}  // namespace

// ---- Roles -------------------------------------------------------------------------------

std::string password_sql_preamble(PgVersion version) {
    std::string out =
        "SET log_statement = 'none';\n"
        "SET log_min_duration_statement = -1;\n"
        "SET log_min_error_statement = 'panic';\n"
        "SET pgaudit.log = 'none';\n";
    if (version.number() >= 1000) {
        out += "SET password_encryption = 'scram-sha-256';\n";
    } else {
        out += "SET password_encryption = on;\n";  // 9.6: a boolean, on means md5
    }
    return out;
}

std::string role_probe_sql(std::string_view user) {
    return "SELECT 't', rolreplication, rolcanlogin, rolsuper, CASE"
           " WHEN rolpassword IS NULL THEN 'none'"
           " WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram'"
           " WHEN rolpassword LIKE 'md5%' THEN 'md5' ELSE 'other' END"
           " FROM pg_authid WHERE rolname = " +
           sql_literal(user) + ";\n";
}

Result<std::optional<RoleInfo>> parse_role_probe(std::string_view out) {
    auto table = parse_psql_table(out, 5, "the role probe");
    if (!table) return table.error();
    if (table->empty()) return std::optional<RoleInfo>();
    if (table->size() > 1) return bad_output("the role probe", "more than one row");
    const std::vector<std::string>& row = (*table)[0];
    const auto replication = parse_psql_bool(row[1]);
    const auto login = parse_psql_bool(row[2]);
    const auto super = parse_psql_bool(row[3]);
    if (row[0] != "t" || !replication || !login || !super) {
        return bad_output("the role probe", "not a boolean");
    }
    RoleInfo info;
    info.replication = *replication;
    info.can_login = *login;
    info.superuser = *super;
    if (row[4] == "none") {
        info.password = PasswordKind::None;
    } else if (row[4] == "md5") {
        info.password = PasswordKind::Md5;
    } else if (row[4] == "scram") {
        info.password = PasswordKind::Scram;
    } else if (row[4] == "other") {
        info.password = PasswordKind::Other;
    } else {
        return bad_output("the role probe", "unknown password kind");
    }
    return std::optional<RoleInfo>(info);
}

std::string create_role_sql(PgVersion version, std::string_view user, std::string_view password) {
    return password_sql_preamble(version) + "CREATE ROLE " + sql_identifier(user) +
           " WITH LOGIN REPLICATION NOSUPERUSER PASSWORD " + sql_literal(password) + ";\n";
}

std::string alter_role_sql(PgVersion version, std::string_view user, std::string_view password) {
    return password_sql_preamble(version) + "ALTER ROLE " + sql_identifier(user) +
           " WITH LOGIN REPLICATION PASSWORD " + sql_literal(password) + ";\n";
}

// ---- Replication slots -------------------------------------------------------------------

bool is_valid_slot_name(std::string_view name) {
    if (name.empty() || name.size() > 63) return false;
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

std::string slot_name_for(std::string_view host_name) {
    if (host_name.empty()) throw std::invalid_argument("slot_name_for: empty host name");
    std::string out;
    for (char c : host_name.substr(0, 63)) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) c = '_';
        out += c;
    }
    return out;
}

bool slot_wal_at_risk(const SlotInfo& slot) {
    return slot.wal_status == "unreserved" || slot.wal_status == "lost";
}

std::string slot_list_sql() {
    return "SELECT slot_name, slot_type, active, coalesce(restart_lsn::text, ''),"
           " coalesce(to_jsonb(s)->>'wal_status', ''), coalesce(to_jsonb(s)->>'safe_wal_size', '')"
           " FROM pg_replication_slots AS s ORDER BY slot_name;\n";
}

Result<std::vector<SlotInfo>> parse_slot_list(std::string_view out) {
    auto table = parse_psql_table(out, 6, "pg_replication_slots");
    if (!table) return table.error();
    std::vector<SlotInfo> slots;
    for (std::vector<std::string>& row : *table) {
        const auto active = parse_psql_bool(row[2]);
        if (!active) return bad_output("pg_replication_slots", "active is not a boolean");
        slots.push_back({std::move(row[0]), std::move(row[1]), *active, std::move(row[3]),
                         std::move(row[4]), std::move(row[5])});
    }
    return slots;
}

std::string create_slot_sql(std::string_view name) {
    require_slot_name(name);
    const std::string literal = sql_literal(name);
    return "SELECT pg_create_physical_replication_slot(" + literal +
           ", true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = " +
           literal + ");\n";
}

std::string drop_inactive_slots_sql(const std::vector<std::string>& names) {
    std::string list;
    for (const auto& name : names) {
        require_slot_name(name);
        list += (list.empty() ? "" : ", ") + sql_literal(name);
    }
    return "SELECT slot_name FROM (SELECT slot_name, pg_drop_replication_slot(slot_name) FROM "
           "pg_replication_slots WHERE NOT active AND slot_type = 'physical' AND slot_name IN (" +
           (list.empty() ? std::string("NULL") : list) + ")) AS dropped;\n";
}

std::string drop_slot_sql(std::string_view name) {
    require_slot_name(name);
    const std::string literal = sql_literal(name);
    return "SELECT pg_drop_replication_slot(" + literal +
           ") WHERE EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = " + literal +
           ");\n";
}

// ---- Server state ------------------------------------------------------------------------

std::string is_in_recovery_sql() {
    return "SELECT pg_is_in_recovery();\n";
}

Result<bool> parse_is_in_recovery(std::string_view out) {
    auto value = single_value(out, "pg_is_in_recovery()");
    if (!value) return value.error();
    const std::optional<bool> result = *value ? parse_psql_bool(**value) : std::nullopt;
    if (!result) return bad_output("pg_is_in_recovery()", "expected t or f");
    return *result;
}

std::string server_version_sql() {
    return "SHOW server_version_num;\n";
}

Result<PgVersion> parse_server_version(std::string_view out) {
    auto value = single_value(out, "server_version_num");
    if (!value) return value.error();
    const std::optional<std::int64_t> number = *value ? parse_int(**value) : std::nullopt;
    if (!number || *number < 90000 || *number >= 10000000) {
        return bad_output("server_version_num", "not a version number");
    }
    PgVersion version;
    if (*number >= 100000) {
        version.major = static_cast<int>(*number / 10000);
        version.minor = 0;
    } else {
        version.major = static_cast<int>(*number / 10000);
        version.minor = static_cast<int>(*number / 100 % 100);
    }
    return version;
}

WalFunctions wal_functions(PgVersion version) {
    if (version.number() >= 1000) {
        return {"pg_current_wal_lsn()", "pg_last_wal_receive_lsn()", "pg_last_wal_replay_lsn()",
                "pg_is_wal_replay_paused()", "pg_walfile_name"};
    }
    return {"pg_current_xlog_location()", "pg_last_xlog_receive_location()",
            "pg_last_xlog_replay_location()", "pg_is_xlog_replay_paused()", "pg_xlogfile_name"};
}

std::string replay_lsn_sql(PgVersion version) {
    return version.number() >= 1000 ? "SELECT pg_last_wal_replay_lsn();\n"
                                    : "SELECT pg_last_xlog_replay_location();\n";
}

std::string current_lsn_sql(PgVersion version) {
    return version.number() >= 1000 ? "SELECT pg_current_wal_lsn();\n"
                                    : "SELECT pg_current_xlog_location();\n";
}

Result<std::optional<std::string>> parse_single_lsn(std::string_view out) {
    auto value = single_value(out, "a WAL position");
    if (!value) return value.error();
    if (*value && !parse_lsn(**value)) return bad_output("a WAL position", "not an LSN");
    return *value;
}

std::string system_identifier_sql() {
    return "SELECT system_identifier FROM pg_control_system();\n";
}

Result<std::string> parse_system_identifier(std::string_view out) {
    auto value = single_value(out, "pg_control_system()");
    if (!value) return value.error();
    if (!*value || !parse_int(**value)) {
        return bad_output("pg_control_system()", "not a system identifier");
    }
    return **value;
}

std::optional<std::string> promote_sql(PgVersion version, int wait_seconds) {
    if (version.number() < 1200) return std::nullopt;
    return "SELECT pg_promote(true, " + std::to_string(wait_seconds) + ");\n";
}

}  // namespace pgrepl
