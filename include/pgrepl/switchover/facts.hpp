// What switchover reads of each running host besides its HandoverHostState: one read-only
// query (the WAL sender and slot limits, pending restarts, the archiver).
#pragma once

#include <string>
#include <string_view>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/switchover/decide.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// The query (9.6 to 17): one row max_wal_senders | max_replication_slots | slots that exist |
/// the names of the settings with pending_restart, comma-separated | archive_mode | the
/// archiver's last failure is newer than its last success (t/f) | failed_count |
/// last_failed_wal.
std::string switchover_facts_sql();

/// Parses switchover_facts_sql() output; an Error (Remote) names a malformed field.
/// replay_lag_seconds is left empty (not gathered yet).
Result<SwitchoverFacts> parse_switchover_facts(std::string_view out);

/// Runs the query on `host` (read-only, as postgres) and parses it.
Result<SwitchoverFacts> gather_switchover_facts(Executor& executor, const Host& host);

}  // namespace pgrepl
