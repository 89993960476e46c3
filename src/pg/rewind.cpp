#include "pgrepl/pg/rewind.hpp"

#include <regex>
#include <stdexcept>
#include <string>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/sql.hpp"

namespace pgrepl {
namespace {

Error bad_output(std::string_view detail) {
    return make_error(ErrorKind::Remote,
                      "unexpected psql output for the rewind role probe: " + std::string(detail));
}

}  // namespace

bool rewind_role_supported(PgVersion version) {
    return version.number() >= 1100;
}

std::vector<std::string> rewind_functions(PgVersion version) {
    if (!rewind_role_supported(version)) return {};
    // What pg_rewind's libpq source calls (src/bin/pg_rewind/libpq_source.c): the listing of
    // the data directory, the stat of each file, and whole or partial file reads. The same
    // four from 11 to 17.
    return {
        "pg_catalog.pg_ls_dir(text, boolean, boolean)",
        "pg_catalog.pg_stat_file(text, boolean)",
        "pg_catalog.pg_read_binary_file(text)",
        "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
    };
}

std::string rewind_role_probe_sql(PgVersion version, std::string_view user) {
    std::string sql = "SELECT 't', rolcanlogin, rolsuper, rolreplication, rolpassword IS NOT NULL";
    for (const std::string& function : rewind_functions(version)) {
        sql += ", has_function_privilege(oid, " + sql_literal(function) + ", 'EXECUTE')";
    }
    return sql + " FROM pg_authid WHERE rolname = " + sql_literal(user) + ";\n";
}

Result<std::optional<RewindRoleInfo>> parse_rewind_role_probe(PgVersion version,
                                                              std::string_view out) {
    const std::vector<std::string> functions = rewind_functions(version);
    auto table = parse_psql_table(out, 5 + functions.size(), "the rewind role probe");
    if (!table) return table.error();
    if (table->empty()) return std::optional<RewindRoleInfo>();
    if (table->size() > 1) return bad_output("more than one row");
    const std::vector<std::string>& row = (*table)[0];
    if (row[0] != "t") return bad_output("not a role row");
    std::vector<bool> flags;
    for (std::size_t i = 1; i < row.size(); ++i) {
        const auto flag = parse_psql_bool(row[i]);
        if (!flag) return bad_output("not a boolean");
        flags.push_back(*flag);
    }
    RewindRoleInfo info;
    info.can_login = flags[0];
    info.superuser = flags[1];
    info.replication = flags[2];
    info.has_password = flags[3];
    for (std::size_t i = 0; i < functions.size(); ++i) {
        if (!flags[4 + i]) info.missing_grants.push_back(functions[i]);
    }
    return std::optional<RewindRoleInfo>(std::move(info));
}

std::string rewind_role_sql(PgVersion version, std::string_view user, std::string_view password,
                            RoleExists exists) {
    if (!rewind_role_supported(version)) {
        throw std::invalid_argument("rewind_role_sql: pg_rewind needs a superuser before 11");
    }
    const std::string role = sql_identifier(user);
    std::string sql = password_sql_preamble(version);
    sql += (exists == RoleExists::Yes ? "ALTER ROLE " : "CREATE ROLE ") + role +
           " WITH LOGIN NOSUPERUSER NOREPLICATION PASSWORD " + sql_literal(password) + ";\n";
    for (const std::string& function : rewind_functions(version)) {
        sql += "GRANT EXECUTE ON FUNCTION " + function + " TO " + role + ";\n";
    }
    return sql;
}

RewindOutput parse_rewind_output(std::string_view output) {
    static const std::regex diverged(
        R"(servers diverged at WAL location ([0-9A-Fa-f]+/[0-9A-Fa-f]+) on timeline (\d+))");
    static const std::regex common(
        R"(rewinding from last common checkpoint at ([0-9A-Fa-f]+/[0-9A-Fa-f]+))");
    RewindOutput parsed;
    const std::string text(output);
    std::smatch match;
    if (std::regex_search(text, match, diverged)) {
        parsed.fork_point = parse_lsn(match.str(1));
        const auto timeline = parse_int(match.str(2));
        if (timeline && *timeline > 0 && *timeline <= 0xFFFFFFFFLL)
            parsed.fork_timeline = static_cast<std::uint32_t>(*timeline);
    }
    if (std::regex_search(text, match, common)) parsed.common_checkpoint = parse_lsn(match.str(1));
    parsed.no_rewind_required = text.find("no rewind required") != std::string::npos;
    parsed.same_timeline =
        text.find("source and target cluster are on the same timeline") != std::string::npos;
    return parsed;
}

}  // namespace pgrepl
