#include "pgrepl/switchover/facts.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

constexpr std::size_t kColumns = 8;
constexpr const char* kFactsQuery = "switchover_facts";
constexpr const char* kReplicationQuery = "switchover_replication";
constexpr const char* kHbaQuery = "switchover_hba";

Error malformed(const std::string& what, std::string_view value) {
    return make_error(ErrorKind::Remote,
                      fmt::format("switchover facts: malformed {}: '{}'", what, value));
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
        const std::optional<std::size_t> i = inventory.index_of(row.application_name);
        if (i && *i < facts.size() && row.replay_lag_seconds)
            facts[*i].replay_lag_seconds = row.replay_lag_seconds;
    }
}

std::string replication_hba_sql() {
    return "SELECT type || ' ' || array_to_string(user_name, ',') || ' ' || coalesce(address, '') "
           "|| ' ' || coalesce(netmask, '') || ' ' || auth_method FROM pg_hba_file_rules WHERE "
           "error IS NULL AND 'replication' = ANY(database) ORDER BY line_number;";
}

std::optional<std::vector<std::string>> parse_replication_hba(std::string_view out) {
    std::vector<std::string> rules;
    for (auto line : split_lines(out)) {
        if (line.empty()) continue;
        // Every rule has its five words; anything else is an error message, not an answer.
        if (std::count(line.begin(), line.end(), ' ') != 4) return std::nullopt;
        rules.emplace_back(line);
    }
    return rules;
}

void extend_with_switchover_queries(const Host& host, SnapshotRequest& request) {
    request.queries.emplace_back(kFactsQuery, switchover_facts_sql());
    request.queries.emplace_back(kReplicationQuery, stat_replication_sql(host.postgres.version));
    if (host.postgres.version.number() >= 1000)
        request.queries.emplace_back(kHbaQuery, replication_hba_sql());
}

std::vector<SwitchoverFacts> switchover_facts_of(const Inventory& inventory,
                                                 const std::vector<HandoverHostState>& states) {
    std::vector<SwitchoverFacts> facts(inventory.hosts.size());
    const auto answer = [&](std::size_t i, const char* name) -> const std::string* {
        auto it = states[i].queries.find(name);
        return it == states[i].queries.end() ? nullptr : &it->second;
    };
    for (std::size_t i = 0; i < states.size() && i < facts.size(); ++i) {
        if (!states[i].server) continue;
        if (const auto* out = answer(i, kFactsQuery)) {
            if (auto parsed = parse_switchover_facts(*out)) facts[i] = std::move(*parsed);
        }
        if (const auto* out = answer(i, kHbaQuery))
            facts[i].replication_hba = parse_replication_hba(*out);
    }
    // The replay lag of each standby, as its primary sees it.
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (states[i].role() != LiveRole::Primary) continue;
        if (const auto* out = answer(i, kReplicationQuery)) {
            if (auto rows = parse_stat_replication(*out))
                apply_replay_lags(inventory, *rows, facts);
        }
    }
    return facts;
}

}  // namespace pgrepl
