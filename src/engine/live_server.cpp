#include "pgrepl/engine/live_server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/sql.hpp"

namespace pgrepl {
namespace {

Error bad(std::string_view what) {
    return make_error(ErrorKind::Remote,
                      "unexpected psql output for server state: " + std::string(what));
}

std::optional<double> parse_double(std::string_view text) {
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

// An optional field: empty is none, anything else must parse.
template <typename T, typename Parse>
bool optional_field(const std::string& text, std::optional<T>& target, Parse parse) {
    if (text.empty()) return true;
    auto value = parse(text);
    if (!value) return false;
    target = static_cast<T>(*value);
    return true;
}

}  // namespace

std::optional<std::uint64_t> LiveServer::wal_position() const {
    if (role == LiveRole::Primary) return current_lsn;
    if (receive_lsn && replay_lsn) return std::max(*receive_lsn, *replay_lsn);
    return receive_lsn ? receive_lsn : replay_lsn;
}

Endpoint conninfo_endpoint(std::string_view conninfo) {
    Endpoint endpoint;
    const auto pairs = parse_conninfo(conninfo);
    if (!pairs) return endpoint;
    for (const auto& [key, value] : *pairs) {
        if (key == "host" || key == "hostaddr") {
            if (key == "host" || endpoint.host.empty()) endpoint.host = value;
        } else if (key == "port") {
            if (auto port = parse_int(value)) endpoint.port = static_cast<int>(*port);
        }
    }
    return endpoint;
}

std::string live_server_sql(PgVersion version) {
    const WalFunctions wal = wal_functions(version);
    const bool sender_columns = version.number() >= 1300;
    return fmt::format(
        "SELECT pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system()), "
        "CASE WHEN pg_is_in_recovery() THEN coalesce("
        "(SELECT received_tli::text FROM pg_stat_wal_receiver WHERE received_tli > 0), "
        "(SELECT timeline_id::text FROM pg_control_checkpoint())) "
        "ELSE (('x' || substr({walfile}({current}), 1, 8))::bit(32)::int)::text END, "
        "CASE WHEN pg_is_in_recovery() THEN '' ELSE {current}::text END, "
        "coalesce({receive}::text, ''), coalesce({replay}::text, ''), "
        "coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::text, "
        "''), "
        "CASE WHEN NOT pg_is_in_recovery() THEN '' WHEN {paused} THEN 't' ELSE 'f' END, "
        "extract(epoch FROM clock_timestamp()), current_setting('server_version_num'), "
        "pg_postmaster_start_time(), "
        "coalesce((SELECT setting FROM pg_settings WHERE name = 'wal_receiver_timeout'), ''), "
        "translate(coalesce(current_setting('primary_conninfo', true), ''), E'|\\n\\r', '   '), "
        "coalesce(r.status, ''), {sender_host}, {sender_port}, "
        "translate(coalesce(r.conninfo, ''), E'|\\n\\r', '   '), "
        "coalesce(r.received_tli::text, ''), "
        "coalesce((extract(epoch FROM clock_timestamp() - r.last_msg_receipt_time) * 1000)"
        "::bigint::text, ''), "
        "coalesce((extract(epoch FROM r.last_msg_receipt_time) * 1000000)::bigint::text, '') "
        "FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true;\n",
        fmt::arg("walfile", wal.walfile_name), fmt::arg("current", wal.current),
        fmt::arg("receive", wal.receive), fmt::arg("replay", wal.replay),
        fmt::arg("paused", wal.replay_paused),
        fmt::arg("sender_host", sender_columns
                                    ? "translate(coalesce(r.sender_host, ''), E'|\\n\\r', '   ')"
                                    : "''"),
        fmt::arg("sender_port", sender_columns ? "coalesce(r.sender_port::text, '')" : "''"));
}

Result<LiveServer> parse_live_server(std::string_view out) {
    auto table = parse_psql_table(out, kLiveServerColumns, "server state");
    if (!table) return table.error();
    if (table->size() != 1) return bad("expected one row");
    const auto& f = (*table)[0];
    LiveServer server;
    const auto recovery = parse_psql_bool(f[0]);
    if (!recovery) return bad("pg_is_in_recovery is not a boolean");
    server.role = *recovery ? LiveRole::Standby : LiveRole::Primary;
    server.system_identifier = f[1];
    if (!optional_field(f[2], server.timeline, parse_int)) return bad("timeline is not a number");
    if (!optional_field(f[3], server.current_lsn, parse_lsn) ||
        !optional_field(f[4], server.receive_lsn, parse_lsn) ||
        !optional_field(f[5], server.replay_lsn, parse_lsn))
        return bad("a WAL position is malformed");
    if (!optional_field(f[6], server.replay_age_seconds, parse_double))
        return bad("replay age is not a number");
    if (!optional_field(f[7], server.replay_paused, parse_psql_bool))
        return bad("replay paused is not a boolean");
    const auto clock = parse_double(f[8]);
    const auto version = parse_int(f[9]);
    if (!clock || !version) return bad("clock or server version is not a number");
    server.clock_epoch = *clock;
    server.server_version_num = static_cast<int>(*version);
    server.postmaster_start = f[10];
    if (!optional_field(f[11], server.wal_receiver_timeout_ms, parse_int))
        return bad("wal_receiver_timeout is not a number");
    server.configured_upstream = conninfo_endpoint(f[12]);
    if (!f[13].empty()) {
        LiveReceiver receiver;
        receiver.status = f[13];
        if (!f[14].empty()) {
            receiver.sender.host = f[14];
            if (!optional_field(f[15], receiver.sender.port, parse_int))
                return bad("sender_port is not a number");
        } else {
            receiver.sender = conninfo_endpoint(f[16]);
        }
        if (!optional_field(f[17], receiver.received_tli, parse_int) ||
            !optional_field(f[18], receiver.silence_ms, parse_int) ||
            !optional_field(f[19], receiver.heard_us, parse_int))
            return bad("a WAL receiver field is not a number");
        server.receiver = std::move(receiver);
    }
    return server;
}

}  // namespace pgrepl
