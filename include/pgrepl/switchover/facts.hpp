// What switchover reads of each running host besides its HandoverHostState: one read-only
// query (the WAL sender and slot limits, pending restarts, the archiver) and
// pg_stat_replication, asked in the same state round trip (handover's RequestExtension).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/pg/replication_state.hpp"
#include "pgrepl/switchover/decide.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// The query (9.6 to 17): one row max_wal_senders | max_replication_slots | slots that exist |
/// the names of the settings with pending_restart, comma-separated | archive_mode | the
/// archiver's last failure is newer than its last success (t/f) | failed_count |
/// last_failed_wal.
std::string switchover_facts_sql();

/// The replication rules of pg_hba.conf as the server reads the file (pg_hba_file_rules, 10+):
/// one row "TYPE USERS ADDRESS NETMASK METHOD" per valid rule for the replication database.
std::string replication_hba_sql();

/// Parses replication_hba_sql() output; std::nullopt when a line is not a rule (an error).
std::optional<std::vector<std::string>> parse_replication_hba(std::string_view out);

/// Parses switchover_facts_sql() output; an Error (Remote) names a malformed field.
/// replay_lag_seconds is left empty (apply_replay_lags() fills it in).
Result<SwitchoverFacts> parse_switchover_facts(std::string_view out);

/// Sets each standby's replay_lag_seconds from a primary's pg_stat_replication rows
/// (pg/replication_state): the row whose application_name is the host's name (setup names
/// each standby so in its primary_conninfo). Hosts without such a row are left as they are.
void apply_replay_lags(const Inventory& inventory, const std::vector<ReplicationRow>& rows,
                       std::vector<SwitchoverFacts>& facts);

/// Adds switchover's queries to a host's state request (handover's RequestExtension): the
/// facts query, pg_stat_replication (for the replay lags a primary sees) and, from 10, the
/// replication rules of pg_hba.conf.
void extend_with_switchover_queries(const Host& host, SnapshotRequest& request);

/// The facts of every host from the answers its state carries (HandoverHostState::queries):
/// parsed where the server answered, with each standby's replay lag from its primary's
/// pg_stat_replication; a host whose answer is missing or malformed keeps empty facts.
std::vector<SwitchoverFacts> switchover_facts_of(const Inventory& inventory,
                                                 const std::vector<HandoverHostState>& states);

}  // namespace pgrepl
