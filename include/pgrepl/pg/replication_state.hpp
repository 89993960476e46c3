// Queries of the replication state: pg_stat_replication on a sender, pg_stat_wal_receiver on
// a standby, across the column renames of 10, 11 and 13. Run as the postgres superuser with
// `psql -X -At -F '|'` (other roles see only partial rows).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// One walsender as reported by pg_stat_replication.
struct ReplicationRow {
    int pid = 0;                   ///< walsender process id
    std::string application_name;  ///< the replica's application_name
    std::string client_addr;       ///< its address, empty for a Unix socket
    std::string state;             ///< startup, catchup, streaming, backup, stopping
    std::string sent_lsn;          ///< last WAL position sent (empty when NULL)
    std::string write_lsn;         ///< written by the replica
    std::string flush_lsn;         ///< flushed by the replica
    std::string replay_lsn;        ///< replayed by the replica
    std::string sync_state;        ///< async, potential, sync, quorum
    std::optional<std::int64_t> replay_lag_bytes;  ///< local WAL position minus replay_lsn
    std::optional<double> write_lag_seconds;       ///< write_lag (10+)
    std::optional<double> flush_lag_seconds;       ///< flush_lag (10+)
    std::optional<double> replay_lag_seconds;      ///< replay_lag (10+)
};

/// Rows `pid|application_name|client_addr|state|sent|write|flush|replay|sync_state|
/// replay_lag_bytes|write_lag|flush_lag|replay_lag` (lags in seconds), by application_name.
/// LSN columns are *_location and the functions pg_xlog_* before 10, where the lag times are
/// NULL. The byte lag is measured from pg_current_wal_lsn() on a primary and from the last
/// received position on a cascading standby.
std::string stat_replication_sql(PgVersion version);

/// Parses stat_replication_sql() output.
Result<std::vector<ReplicationRow>> parse_stat_replication(std::string_view out);

/// The WAL receiver of a standby, from pg_stat_wal_receiver.
struct WalReceiverInfo {
    std::string status;              ///< streaming, starting, waiting, stopping...
    std::string sender_host;         ///< upstream host (from conninfo before 11)
    std::optional<int> sender_port;  ///< upstream port (from conninfo before 11)
    std::string received_lsn;        ///< last position received and flushed
    std::string slot_name;           ///< slot used, empty when none
    std::string conninfo;            ///< connection string, passwords obfuscated
};

/// One row `status|sender_host|sender_port|received_lsn|slot_name|conninfo` when a WAL receiver
/// runs, none otherwise. sender_host/sender_port are empty before 11; received_lsn is
/// received_lsn before 13 and flushed_lsn from 13.
std::string stat_wal_receiver_sql(PgVersion version);

/// Parses stat_wal_receiver_sql() output: std::nullopt when no WAL receiver runs. An empty
/// sender_host/sender_port is filled from the host/port keywords of conninfo.
Result<std::optional<WalReceiverInfo>> parse_stat_wal_receiver(std::string_view out);

}  // namespace pgrepl
