#include "pgrepl/promote/state.hpp"

#include <fmt/format.h>

#include "pgrepl/pg/sql.hpp"

#include <algorithm>

#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"

namespace pgrepl {
namespace {

constexpr const char* kStateQuery = "promote-state";
constexpr std::size_t kStateColumns = 8;
constexpr const char* kReceiverQuery = "promote-receiver";
constexpr std::size_t kReceiverColumns = 3;

std::string first_line(std::string_view text) {
    auto start = text.find_first_not_of("\r\n \t");
    if (start == std::string_view::npos) return {};
    text.remove_prefix(start);
    auto end = text.find_first_of("\r\n");
    return std::string(text.substr(0, end));
}

std::optional<std::int64_t> int_field(const std::string& text) {
    if (text.empty()) return std::nullopt;
    return parse_int(text);
}

std::optional<std::uint64_t> lsn_field(const std::string& text) {
    if (text.empty()) return std::nullopt;
    return parse_lsn(text);
}

// host= and port= of a libpq connection string (the last occurrence wins, as in libpq).
void read_conninfo(std::string_view conninfo, PromoteHostState& state) {
    const auto pairs = parse_conninfo(conninfo);
    if (!pairs) return;
    for (const auto& [key, value] : *pairs) {
        if (key == "host" || key == "hostaddr") {
            if (key == "host" || state.conninfo_host.empty()) state.conninfo_host = value;
        } else if (key == "port") {
            if (auto port = parse_int(value)) state.conninfo_port = static_cast<int>(*port);
        }
    }
}

// primary_conninfo = '...' from a recovery.conf (before 12).
std::string recovery_conf_conninfo(std::string_view text) {
    std::string found;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(pos, end - pos);
        pos = end + 1;
        auto start = line.find_first_not_of(" \t");
        if (start == std::string_view::npos) continue;
        line.remove_prefix(start);
        if (line.rfind("primary_conninfo", 0) != 0) continue;
        auto open = line.find('\'');
        if (open == std::string_view::npos) continue;
        std::string value;
        for (auto i = open + 1; i < line.size(); ++i) {
            if (line[i] == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
                value.push_back('\'');
                ++i;
            } else if (line[i] == '\\' && i + 1 < line.size()) {
                value.push_back(line[++i]);
            } else if (line[i] == '\'') {
                break;
            } else {
                value.push_back(line[i]);
            }
        }
        found = value;
    }
    return found;
}

}  // namespace

std::optional<std::uint64_t> PromoteHostState::wal_position() const {
    if (role == LiveRole::Primary) return current_lsn;
    if (receive_lsn && replay_lsn) return std::max(*receive_lsn, *replay_lsn);
    return receive_lsn ? receive_lsn : replay_lsn;
}

std::string promote_state_sql(PgVersion version) {
    const WalFunctions wal = wal_functions(version);
    return fmt::format(
        "SELECT pg_is_in_recovery(), "
        "CASE WHEN pg_is_in_recovery() THEN '' ELSE {0}::text END, "
        "coalesce({1}::text, ''), coalesce({2}::text, ''), "
        "CASE WHEN pg_is_in_recovery() THEN coalesce("
        "(SELECT received_tli::text FROM pg_stat_wal_receiver WHERE received_tli > 0), "
        "(SELECT timeline_id::text FROM pg_control_checkpoint())) "
        "ELSE (('x' || substr({4}({0}), 1, 8))::bit(32)::int)::text END, "
        "CASE WHEN NOT pg_is_in_recovery() THEN 'f' WHEN {3} THEN 't' ELSE 'f' END, "
        "coalesce((SELECT status FROM pg_stat_wal_receiver), ''), "
        "translate(coalesce(current_setting('primary_conninfo', true), ''), E'|\\n\\r', '   ');",
        wal.current, wal.receive, wal.replay, wal.replay_paused, wal.walfile_name);
}

std::string promote_receiver_sql() {
    return "SELECT coalesce((SELECT (extract(epoch FROM clock_timestamp() - "
           "last_msg_receipt_time) * 1000)::bigint::text FROM pg_stat_wal_receiver), ''), "
           "coalesce((SELECT (extract(epoch FROM last_msg_receipt_time) * 1000000)::bigint::text "
           "FROM pg_stat_wal_receiver), ''), "
           "coalesce((SELECT setting FROM pg_settings WHERE name = 'wal_receiver_timeout'), '');";
}

SnapshotRequest promote_state_request(const Host& host) {
    const ClusterPaths paths = cluster_paths(host);
    SnapshotRequest request;
    request.files.push_back(paths.fence_file);
    if (host.postgres.version.number() < 1200)
        request.files.push_back(recovery_conf_path(paths.data_dir));
    request.queries.emplace_back(kStateQuery, promote_state_sql(host.postgres.version));
    request.queries.emplace_back(kReceiverQuery, promote_receiver_sql());
    return request;
}

PromoteHostState promote_state_from_snapshot(const Host& host, const HostSnapshot& snapshot) {
    const ClusterPaths paths = cluster_paths(host);
    const HostFacts& facts = snapshot.facts;
    PromoteHostState state;
    state.name = host.name;
    state.reachable = true;
    state.cluster_exists = facts.cluster_exists;
    state.running = facts.cluster_running;
    state.has_data = facts.data_dir_has_pg_version;
    state.standby_signal = facts.standby_signal;
    state.role = facts.role;
    state.system_identifier = facts.system_identifier;
    state.data_directory = facts.data_directory.empty() ? paths.data_dir : facts.data_directory;
    state.receiver_status = facts.receiver_status;
    if (auto fence = snapshot.file(paths.fence_file)) state.fence_note = first_line(*fence);
    if (!facts.query_error.empty()) state.query_error = facts.query_error;

    if (state.running && state.query_error.empty()) {
        const std::string out = snapshot.query(kStateQuery);
        const auto rows = parse_psql_rows(out);
        if (rows.size() != 1 || rows[0].size() != kStateColumns) {
            auto line = first_line(out);
            state.query_error = line.empty() ? "the state query printed nothing" : line;
        } else {
            const auto& row = rows[0];
            const auto in_recovery = parse_psql_bool(row[0]);
            if (in_recovery) state.role = *in_recovery ? LiveRole::Standby : LiveRole::Primary;
            state.current_lsn = lsn_field(row[1]);
            state.receive_lsn = lsn_field(row[2]);
            state.replay_lsn = lsn_field(row[3]);
            if (auto tli = parse_int(row[4])) state.timeline = static_cast<int>(*tli);
            state.replay_paused = row[5] == "t";
            state.receiver_status = row[6];
            read_conninfo(row[7], state);
        }
        const auto receiver = parse_psql_rows(snapshot.query(kReceiverQuery));
        if (receiver.size() == 1 && receiver[0].size() == kReceiverColumns) {
            state.receiver_silence_ms = int_field(receiver[0][0]);
            state.receiver_heard_us = int_field(receiver[0][1]);
            state.receiver_timeout_ms = int_field(receiver[0][2]);
        }
    }
    if (state.conninfo_host.empty() && host.postgres.version.number() < 1200) {
        if (auto recovery = snapshot.file(recovery_conf_path(paths.data_dir)))
            read_conninfo(recovery_conf_conninfo(*recovery), state);
    }
    return state;
}

PromoteHostState unreachable_state(const Host& host, const Error& error) {
    PromoteHostState state;
    state.name = host.name;
    state.reachable = false;
    state.answered = error.kind != ErrorKind::Connect && error.kind != ErrorKind::Timeout;
    // Every line that shows it already names the host: "db1: connect: " would repeat it.
    std::string reason = first_line(error.message);
    for (const std::string& prefix : {host.name + ": ", std::string("connect: ")}) {
        if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
    }
    state.unreachable_reason = std::move(reason);
    return state;
}

PromoteHostState gather_promote_state(Executor& executor, const Host& host) {
    auto snapshot = take_snapshot(executor, host, promote_state_request(host));
    if (!snapshot) return unreachable_state(host, snapshot.error());
    return promote_state_from_snapshot(host, *snapshot);
}

}  // namespace pgrepl
