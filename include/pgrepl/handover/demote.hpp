// The remote actions of a planned switchover (docs/switchover.md), each one round trip: a
// CHECKPOINT on the primary, its clean stop as a future standby (demote), the wait until the
// target holds everything the old primary wrote, and the way back when the switchover aborts
// (undemote: start it again as the primary). The scripts are built by pure functions
// (unit-tested); the run_* functions execute them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// `CHECKPOINT` on the primary (as postgres): the shutdown checkpoint that follows has little
/// left to write, so the stop (and the write-unavailability window) is short.
Status run_checkpoint(Executor& executor, const Host& host);

/// What the demote script is told.
struct DemoteInput {
    std::string data_directory;         ///< the primary's data directory
    std::string target;                 ///< the host that will be promoted (for the marker)
    std::chrono::seconds stop_timeout;  ///< how long pg_ctl waits for the stop (PGCTLTIMEOUT)
};

/// The first line of switchover's marker (ClusterPaths::switchover_marker) on a primary stopped
/// for a switchover to `target`; a re-run reads the target from it.
std::string switchover_marker_line(const std::string& target);

/// The demote script (RunAs::Admin): `pg_ctlcluster V NAME stop -m fast` when the server runs
/// (exit 3 when it still runs afterwards); then standby.signal (12+; before 12 a recovery.conf
/// with standby_mode = 'on', first line "# written by pgrepl switchover", unless one exists),
/// so that no start brings it up as a primary again, and switchover's marker unless it exists.
/// Prints the frames `@@stopped` (it was running), `@@state STATE` (pg_controldata's "Database
/// cluster state") and
/// `@@checkpoint LSN` (its latest checkpoint: after a clean stop, the shutdown checkpoint,
/// the last record of its WAL).
std::string demote_script(const Host& host, const DemoteInput& input);

/// What demoting did.
struct DemoteResult {
    bool stopped = false;                     ///< it was running and was stopped
    std::string control_state;                ///< "shut down" after a clean stop
    std::optional<std::uint64_t> checkpoint;  ///< its latest checkpoint location
    /// pg_controldata says "shut down": the stop was clean.
    bool clean() const { return control_state == "shut down"; }
};

/// Parses the demote script's output (its frames).
DemoteResult parse_demote_output(std::string_view out);

/// Runs the demote script. An Error of kind Refused (step "stop") when the server still runs.
Result<DemoteResult> run_demote(Executor& executor, const Host& host, const DemoteInput& input);

/// The undemote script (RunAs::Admin), after an aborted switchover: removes the standby.signal
/// (before 12: the recovery.conf whose first line is demote's) and the marker, starts the cluster
/// with `pg_ctlcluster V NAME start` and prints one row `in_recovery` ("f" once it is a primary
/// again).
std::string undemote_script(const Host& host, const std::string& data_directory);

/// Runs the undemote script. An Error (Remote, step "restart") when the server did not come
/// back as a primary.
Status run_undemote(Executor& executor, const Host& host, const std::string& data_directory);

/// Where the standby's WAL stood after the wait (handover/actions' catch_up_script()).
struct HeldPositions {
    std::optional<std::uint64_t> received;  ///< pg_last_wal_receive_lsn()
    std::optional<std::uint64_t> replayed;  ///< pg_last_wal_replay_lsn()
};

/// Parses catch_up_script() output (its row ending in "end").
HeldPositions parse_hold_wait_output(std::string_view out);

/// Waits until the standby received and replayed WAL beyond `lsn`, at most `timeout`
/// (catch_up_script() with CatchUpRule::ReplayedBeyond), and reads where it stands then.
Result<HeldPositions> run_hold_wait(Executor& executor, const Host& host, std::uint64_t lsn,
                                    std::chrono::seconds timeout);

/// The script (RunAs::Postgres) that ends an old primary's switchover once it streams from the
/// new primary: drops the inactive physical slots named `slots` (the ones it kept for the
/// standbys that now stream from the new primary: on a standby they would retain WAL forever),
/// prints the names it dropped, one per line, and removes switchover's marker.
std::string drop_slots_script(const Host& host, const std::vector<std::string>& slots);

/// Runs drop_slots_script(); the names dropped (none when no such slot exists).
Result<std::vector<std::string>> run_drop_slots(Executor& executor, const Host& host,
                                                const std::vector<std::string>& slots);

}  // namespace pgrepl
