#include "pgrepl/switchover/facts.hpp"

#include <fmt/format.h>

#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

constexpr std::size_t kColumns = 8;

Error malformed(const std::string& what, std::string_view value) {
    return make_error(ErrorKind::Remote,
                      fmt::format("switchover facts: malformed {}: '{}'", what, value));
}

// Runs `sql` through the cluster's psql as postgres (read-only); its output.
Result<std::string> run_query(Executor& executor, const Host& host, const std::string& sql,
                              const std::string& purpose) {
    PsqlCommand psql;
    psql.application_name = "pgrepl-switchover";
    psql.connect_timeout = 5;
    psql.quiet = PsqlQuiet::Yes;
    Command command;
    command.script =
        fmt::format("{} <<'PGREPL_SQL_END'\n{}\nPGREPL_SQL_END\n", psql_command(host, psql), sql);
    command.run_as = RunAs::Postgres;
    command.purpose = purpose;
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success())
        return make_error(ErrorKind::Remote,
                          fmt::format("{}: psql failed: {}", purpose, first_line(result->err)));
    return result->out;
}

}  // namespace

std::string switchover_facts_sql() {
    return "SELECT current_setting('max_wal_senders'), current_setting('max_replication_slots'), "
           "(SELECT count(*) FROM pg_replication_slots), "
           "coalesce((SELECT string_agg(name, ',' ORDER BY name) FROM pg_settings WHERE "
           "pending_restart), ''), current_setting('archive_mode'), "
           "coalesce(a.last_failed_time > coalesce(a.last_archived_time, '-infinity'), false), "
           "a.failed_count, coalesce(a.last_failed_wal, '') FROM pg_stat_archiver a;";
}

Result<SwitchoverFacts> parse_switchover_facts(std::string_view out) {
    const auto rows = parse_psql_rows(out);
    if (rows.empty() || rows.back().size() != kColumns)
        return make_error(ErrorKind::Remote,
                          fmt::format("switchover facts: expected one row of {} fields, got '{}'",
                                      kColumns, first_line(out)));
    const auto& row = rows.back();
    SwitchoverFacts facts;
    const auto senders = parse_int(row[0]);
    const auto slots = parse_int(row[1]);
    const auto used = parse_int(row[2]);
    const auto failing = parse_psql_bool(row[5]);
    const auto failed = parse_int(row[6]);
    if (!senders) return malformed("max_wal_senders", row[0]);
    if (!slots) return malformed("max_replication_slots", row[1]);
    if (!used) return malformed("slot count", row[2]);
    if (!failing) return malformed("archiver state", row[5]);
    if (!failed) return malformed("failed_count", row[6]);
    facts.max_wal_senders = static_cast<int>(*senders);
    facts.max_replication_slots = static_cast<int>(*slots);
    facts.replication_slots = static_cast<int>(*used);
    std::string_view pending = row[3];
    while (!pending.empty()) {
        const auto comma = pending.find(',');
        facts.pending_restart.emplace_back(pending.substr(0, comma));
        if (comma == std::string_view::npos) break;
        pending.remove_prefix(comma + 1);
    }
    facts.archiving = row[4] == "on" || row[4] == "always";
    facts.archive_failing = *failing;
    facts.archive_failed_count = *failed;
    facts.archive_last_failed_wal = row[7];
    return facts;
}

void apply_replay_lags(const Inventory& inventory, const std::vector<ReplicationRow>& rows,
                       std::vector<SwitchoverFacts>& facts) {
    for (const auto& row : rows) {
        const Host* host = inventory.find_host(row.application_name);
        if (host == nullptr) continue;
        const auto i = static_cast<std::size_t>(host - inventory.hosts.data());
        if (i < facts.size() && row.replay_lag_seconds)
            facts[i].replay_lag_seconds = row.replay_lag_seconds;
    }
}

Result<std::vector<ReplicationRow>> gather_stat_replication(Executor& executor, const Host& host) {
    auto out = run_query(executor, host, stat_replication_sql(host.postgres.version),
                         "read pg_stat_replication");
    if (!out) return out.error();
    return parse_stat_replication(*out);
}

Result<SwitchoverFacts> gather_switchover_facts(Executor& executor, const Host& host) {
    auto out = run_query(executor, host, switchover_facts_sql(),
                         "read the WAL sender and slot limits, pending restarts and the archiver");
    if (!out) return out.error();
    return parse_switchover_facts(*out);
}

}  // namespace pgrepl
