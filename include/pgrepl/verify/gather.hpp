// Gathering a host's replication state for `pgrepl verify` in ONE read-only round trip: the
// engine's lean snapshot (engine/snapshot.hpp), taken as the postgres user, with the cluster's
// processes (ps), the end of the server log, the fence marker's first line and the answers of
// one read-only psql session whose errors are kept apart; then a pure translation into a
// HostState.
#pragma once

#include <string>

#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/verify/state.hpp"

namespace pgrepl {

/// How many lines of the server log verify reads.
inline constexpr int kGatherLogLines = 20;

/// The shell words that run the cluster's own psql binary (session_psql(): not the slower
/// pg_wrapper) as the command's user on the default socket directory and the inventory port,
/// as database postgres, `-X -q -At -F '|'`, with PGCONNECT_TIMEOUT=5 and application_name
/// pgrepl-verify, going on after a failed query. Append options and a here-document.
std::string verify_psql(const Host& host);

/// verify's snapshot request for `host`: FactsDepth::Lean, RunAs::Postgres, the process list,
/// kGatherLogLines of the server log, the fence marker's first line, and a
/// QuerySession::ReadOnly session (application_name pgrepl-verify) asking, after the server
/// query, replication, receiver, slots, settings and file_settings (the inventory's managed
/// settings), and archiver when the inventory archives.
SnapshotRequest verify_request(const Inventory& inventory, const Host& host);

/// Translates verify's snapshot, or the error of taking it, into a HostState (pure). That
/// error, or output cut short (no `@@end`), sets gather_error. With no query answered, psql's first
/// error line is psql_error (it could not connect); otherwise its ERROR/FATAL lines, a non-zero
/// exit status, queries not run and parse failures of single queries go to query_errors. A fence
/// marker sets fence_note.
HostState host_state_from_snapshot(const Host& host, const Result<HostSnapshot>& taken);

/// With a patroni section: adds the GETs of Patroni's /patroni on the host and, on an etcd
/// member, etcd's /health, and the first line of the Patroni configuration file.
void add_patroni_requests(const Inventory& inventory, const Host& host, SnapshotRequest& request);

/// With a patroni section: fills state.patroni (and state.etcd on an etcd member) from the
/// snapshot's answers (pure).
void read_patroni_view(const Inventory& inventory, const Host& host, const HostSnapshot& snapshot,
                       HostState& state);

/// Takes verify's snapshot of the host (one read-only round trip). Never fails: a command
/// that could not run, exited non-zero or printed malformed output sets gather_error.
HostState gather_host(Executor& executor, const Inventory& inventory, const Host& host);

}  // namespace pgrepl
