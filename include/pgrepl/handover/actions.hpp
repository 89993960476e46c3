// The remote actions of the commands that change roles (promote, switchover), each one round
// trip: fence an old primary, promote the target and wait until it accepts writes, wait until
// the target received the old primary's last WAL, wait until a standby follows the new
// primary. The scripts are built by
// pure functions (unit-tested); the run_* functions execute them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// What the fence script is told.
struct FenceInput {
    std::string data_directory;  ///< the old primary's data directory
    std::string new_primary;     ///< the host being promoted (for the marker)
    std::string when;            ///< UTC timestamp for the marker ("2024-05-01T03:12:45Z")
};

/// The fence script (run as RunAs::Admin): stop the cluster with `pg_ctlcluster V NAME stop
/// -m fast` when it runs (exit 3 when it still runs afterwards); then write the marker
/// conf_dir/pgrepl.fenced (what, when, the previous start.conf value), `disabled` into
/// start.conf (pg_ctlcluster then refuses to start it), and standby.signal (12+; before 12 a
/// recovery.conf with standby_mode = 'on' unless one exists) so that even a manual start comes
/// up read-only. Prints the frames `@@stopped` when it stopped the server and `@@checkpoint LSN`,
/// the last checkpoint (a clean shutdown's is the end of its WAL).
std::string fence_script(const Host& host, const FenceInput& input);

/// What fencing did.
struct FenceResult {
    bool stopped = false;                     ///< it was running and was stopped
    std::optional<std::uint64_t> checkpoint;  ///< its last checkpoint location
};

/// Parses the fence script's output.
FenceResult parse_fence_output(std::string_view out);

/// Runs the fence script. An Error of kind Refused when the server could not be stopped.
Result<FenceResult> run_fence(Executor& executor, const Host& host, const FenceInput& input);

/// The promote script (run as RunAs::Admin): `SELECT pg_promote(false)` from 12 (before 12
/// `pg_ctlcluster V NAME promote`), then wait (polling every 10 ms, up to `timeout`) until
/// pg_is_in_recovery() is false, then one row `transaction_read_only|txid|timeline` from a
/// new transaction: txid_current() assigns a transaction id, which only a writable server does.
std::string promote_script(const Host& host, std::chrono::seconds timeout);

/// What the promotion showed.
struct PromoteResult {
    int timeline = 0;                       ///< the new primary's timeline
    std::chrono::milliseconds duration{0};  ///< from the start of the command to writable
};

/// Parses the promote script's output (its last line); an Error when it does not show a
/// writable server.
Result<PromoteResult> parse_promote_output(std::string_view out);

/// Runs the promote script and times it.
Result<PromoteResult> run_promote_script(Executor& executor, const Host& host,
                                         std::chrono::seconds timeout);

/// What a standby must hold for catch_up_script() to stop waiting.
enum class CatchUpRule {
    /// Received or replayed WAL up to `lsn` (promote: the promotion replays what it received).
    ReceivedOrReplayed,
    /// Received and replayed WAL beyond `lsn`, the record at `lsn` included (switchover).
    ReplayedBeyond,
};

/// The script (RunAs::Postgres) that waits, polling every 10 ms up to `timeout`, until the
/// standby holds WAL as `rule` says; it then prints one row `received|replayed|end` (empty
/// fields when unknown) either way, and psql fails (exit 3) on timeout.
std::string catch_up_script(const Host& host, std::uint64_t lsn, std::chrono::seconds timeout,
                            CatchUpRule rule = CatchUpRule::ReceivedOrReplayed);

/// Runs catch_up_script(); false on timeout.
Result<bool> run_catch_up(Executor& executor, const Host& host, std::uint64_t lsn,
                          std::chrono::seconds timeout);

/// The script (RunAs::Postgres) that waits, polling every 50 ms up to `timeout`, until the
/// standby's WAL receiver streams on timeline `timeline` or later; it then prints one row
/// `status|received_tli|end` (empty fields when no receiver runs) either way, and
/// fails (psql exit 3) when it does not stream.
std::string follow_script(const Host& host, int timeline, std::chrono::seconds timeout);

/// Whether a standby follows.
struct FollowResult {
    bool following = false;  ///< streaming on the new timeline
    std::string status;      ///< the WAL receiver's last status ("" when none runs)
    int timeline = 0;        ///< its received timeline (0 when unknown)
};

/// Parses follow_script() output (its last line); `following` from the exit status.
FollowResult parse_follow_output(std::string_view out, bool success);

/// Runs follow_script().
Result<FollowResult> run_follow_check(Executor& executor, const Host& host, int timeline,
                                      std::chrono::seconds timeout);

}  // namespace pgrepl
