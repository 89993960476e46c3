// Gathering a host's replication state for `pgrepl verify` in ONE read-only round trip: a
// script run as the postgres user prints the cluster's processes (ps), the end of the server
// log and the answers of every catalog query (one psql session, its errors kept apart).
#pragma once

#include <string>
#include <string_view>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/verify/state.hpp"

namespace pgrepl {

/// How many lines of the server log the gather script reads.
inline constexpr int kGatherLogLines = 20;

/// The shell words that run the cluster's own psql binary (psql_command(): not the slower
/// pg_wrapper) on the default socket directory and the inventory port, as database postgres,
/// `-X -q -At -F '|'`, with PGCONNECT_TIMEOUT=5 and application_name pgrepl-verify, going on
/// after a failed query. Append options and a here-document.
std::string verify_psql(const Host& host);

/// The gather script for `host` (run with RunAs::Postgres): on standard output the sections
/// `@@ps` (every process), `@@log` (each log line prefixed by '|'), `@@fence` (only when the
/// fence marker exists: its first line prefixed by '|', read by the shell without a fork),
/// `@@sql` with `@@query NAME` blocks for the queries server (live_server_sql()), replication,
/// receiver, slots and settings (the inventory's managed settings), then `@@psql-exit N` and
/// `@@end`; psql's errors on standard error. The psql session is read-only
/// (default_transaction_read_only) with a 10 s statement timeout.
std::string gather_script(const Inventory& inventory, const Host& host);

/// Parses gather_script() output and error output into a HostState. With no query answered,
/// the first error line is psql_error (it could not connect); otherwise ERROR/FATAL lines and
/// parse failures of single queries go to query_errors. A `@@fence` section sets fence_note.
/// Output without `@@end` sets gather_error.
HostState parse_gather_output(const Host& host, std::string_view output, std::string_view err);

/// Runs the gather script on the host (one read-only round trip). Never fails: a command that
/// could not run sets gather_error in the returned state.
HostState gather_host(Executor& executor, const Inventory& inventory, const Host& host);

}  // namespace pgrepl
