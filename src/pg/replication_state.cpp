#include "pgrepl/pg/replication_state.hpp"

#include <charconv>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"

namespace pgrepl {
namespace {

/// A text expression with NULL as '' and '|', newline and carriage return as spaces.
std::string clean(std::string_view expression) {
    return "translate(coalesce(" + std::string(expression) +
           ", ''), chr(124) || chr(10) || chr(13), '   ')";
}

Error bad_output(std::string_view what, std::string_view detail) {
    return make_error(ErrorKind::Remote, "unexpected psql output for " + std::string(what) + ": " +
                                             std::string(detail));
}

/// An optional number field: std::nullopt for an empty field, false in `ok` when malformed.
std::optional<double> parse_seconds(std::string_view text, bool& ok) {
    if (text.empty()) return std::nullopt;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) ok = false;
    return value;
}

}  // namespace

std::string stat_replication_sql(PgVersion version) {
    const bool modern = version.number() >= 1000;
    const char* sent = modern ? "sent_lsn" : "sent_location";
    const char* write = modern ? "write_lsn" : "write_location";
    const char* flush = modern ? "flush_lsn" : "flush_location";
    const char* replay = modern ? "replay_lsn" : "replay_location";
    const std::string local_lsn =
        modern ? "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()"
                 " ELSE pg_current_wal_lsn() END"
               : "CASE WHEN pg_is_in_recovery() THEN pg_last_xlog_receive_location()"
                 " ELSE pg_current_xlog_location() END";
    const std::string diff = modern ? "pg_wal_lsn_diff" : "pg_xlog_location_diff";
    const std::string lags = modern ? "extract(epoch FROM write_lag), extract(epoch FROM "
                                      "flush_lag), extract(epoch FROM replay_lag)"
                                    : "NULL, NULL, NULL";
    return "SELECT pid, " + clean("application_name") + ", coalesce(host(client_addr), ''), " +
           "state, " + sent + ", " + write + ", " + flush + ", " + replay + ", sync_state, " +
           diff + "(" + local_lsn + ", " + replay + ")::bigint, " + lags +
           " FROM pg_stat_replication ORDER BY application_name, pid;\n";
}

Result<std::vector<ReplicationRow>> parse_stat_replication(std::string_view out) {
    auto table = parse_psql_table(out, 13, "pg_stat_replication");
    if (!table) return table.error();
    std::vector<ReplicationRow> rows;
    for (std::vector<std::string>& fields : *table) {
        ReplicationRow row;
        const std::optional<std::int64_t> pid = parse_int(fields[0]);
        bool ok = pid.has_value();
        row.pid = pid ? static_cast<int>(*pid) : 0;
        row.application_name = std::move(fields[1]);
        row.client_addr = std::move(fields[2]);
        row.state = std::move(fields[3]);
        row.sent_lsn = std::move(fields[4]);
        row.write_lsn = std::move(fields[5]);
        row.flush_lsn = std::move(fields[6]);
        row.replay_lsn = std::move(fields[7]);
        row.sync_state = std::move(fields[8]);
        if (!fields[9].empty()) {
            row.replay_lag_bytes = parse_int(fields[9]);
            ok = ok && row.replay_lag_bytes.has_value();
        }
        row.write_lag_seconds = parse_seconds(fields[10], ok);
        row.flush_lag_seconds = parse_seconds(fields[11], ok);
        row.replay_lag_seconds = parse_seconds(fields[12], ok);
        for (const std::string* lsn :
             {&row.sent_lsn, &row.write_lsn, &row.flush_lsn, &row.replay_lsn}) {
            if (!lsn->empty() && !parse_lsn(*lsn)) ok = false;
        }
        if (!ok) return bad_output("pg_stat_replication", "malformed row");
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string stat_wal_receiver_sql(PgVersion version) {
    const int number = version.number();
    const std::string sender =
        number >= 1100 ? clean("sender_host") + ", coalesce(sender_port::text, '')" : "'', ''";
    const char* received = number >= 1300 ? "flushed_lsn" : "received_lsn";
    return "SELECT status, " + sender + ", " + received + ", " + clean("slot_name") + ", " +
           clean("conninfo") + " FROM pg_stat_wal_receiver;\n";
}

Result<std::optional<WalReceiverInfo>> parse_stat_wal_receiver(std::string_view out) {
    auto table = parse_psql_table(out, 6, "pg_stat_wal_receiver");
    if (!table) return table.error();
    if (table->empty()) return std::optional<WalReceiverInfo>();
    if (table->size() > 1) return bad_output("pg_stat_wal_receiver", "more than one row");
    std::vector<std::string>& fields = (*table)[0];
    WalReceiverInfo info;
    info.status = std::move(fields[0]);
    info.sender_host = std::move(fields[1]);
    if (!fields[2].empty()) {
        const std::optional<std::int64_t> port = parse_int(fields[2]);
        if (!port) return bad_output("pg_stat_wal_receiver", "sender_port is not a number");
        info.sender_port = static_cast<int>(*port);
    }
    info.received_lsn = std::move(fields[3]);
    if (!info.received_lsn.empty() && !parse_lsn(info.received_lsn)) {
        return bad_output("pg_stat_wal_receiver", "received position is not an LSN");
    }
    info.slot_name = std::move(fields[4]);
    info.conninfo = std::move(fields[5]);
    if (info.sender_host.empty() || !info.sender_port) {
        if (const auto pairs = parse_conninfo(info.conninfo)) {
            for (const auto& [key, value] : *pairs) {
                if (key == "host" && info.sender_host.empty()) info.sender_host = value;
                if (key == "port" && !info.sender_port) {
                    if (const auto port = parse_int(value))
                        info.sender_port = static_cast<int>(*port);
                }
            }
        }
    }
    return std::optional<WalReceiverInfo>(std::move(info));
}

}  // namespace pgrepl
