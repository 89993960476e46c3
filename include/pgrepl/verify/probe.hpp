// The end-to-end probe of `pgrepl verify`: the live primary emits a WAL record that changes no
// user data (a logical decoding message), then every streaming standby waits, in one remote
// psql session, until it has replayed past that record. Nothing is ever written on a standby.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/verify/state.hpp"
#include "pgrepl/verify/topology.hpp"

namespace pgrepl {

/// What the probe did on one standby.
enum class ProbeStatus {
    NotRun,    ///< not a standby (the primary, or a host that did not answer)
    Skipped,   ///< a standby that cannot receive the probe (see the detail)
    Replayed,  ///< the standby replayed the probe record in time
    Timeout,   ///< it did not within the timeout
    Failed,    ///< the wait could not run (see the detail)
};

/// The probe's outcome on one host.
struct ProbeResult {
    ProbeStatus status = ProbeStatus::NotRun;  ///< what happened
    std::optional<double> ms;  ///< from the emit to the observed replay (server clocks), >= 0
    bool upper_bound = false;  ///< replayed before the first look: `ms` is an upper bound
    std::string replay_lsn;    ///< the standby's replay position when the wait ended
    std::string detail;        ///< why it was skipped or failed
};

/// Which hosts the probe runs on.
struct ProbePlan {
    std::optional<std::size_t> primary;          ///< where the record is emitted; none: no probe
    std::vector<std::size_t> standbys;           ///< where it is awaited
    std::map<std::size_t, std::string> skipped;  ///< standbys left out, with the reason
};

/// The emitted record.
struct ProbeEmission {
    double clock_epoch = 0;  ///< the primary's clock just before the emit (Unix seconds)
    std::string lsn;         ///< the record's WAL position
};

/// The whole probe: the emission, and one result per host (indices of the states).
struct ProbeOutcome {
    std::optional<std::size_t> primary;     ///< where it was emitted (none: not run)
    std::optional<ProbeEmission> emission;  ///< set when the emit worked
    std::string error;                      ///< why the emit failed or was not attempted
    std::vector<ProbeResult> hosts;         ///< one per host
};

/// Plans the probe: emitted on the live primary (none when there is no live primary), awaited
/// on every standby whose chain of live upstreams reaches it with every WAL receiver on the way
/// streaming. Standbys that are paused, refuse connections or are not streaming are skipped
/// with a reason.
ProbePlan plan_probe(const LiveTopology& topology, const std::vector<HostState>& states);

/// The SQL run on the primary: prints the clock, then emits a transactional logical message
/// (prefix "pgrepl-verify"; transactional so that the commit flushes it at once) with
/// synchronous_commit = local (never waits for a synchronous standby) and prints its LSN.
std::string probe_emit_sql();

/// Parses probe_emit_sql() output: two lines, the clock and the LSN.
Result<ProbeEmission> parse_probe_emit(std::string_view out);

/// The SQL run on a standby: a first look, one row `clock_epoch|replayed`; then a read-only DO
/// block polling pg_last_wal_replay_lsn() every millisecond until it reaches `lsn` or
/// `timeout` passes; then one row `clock_epoch|replayed|replay_lsn`. `lsn` must be a valid
/// LSN (it is re-formatted; throws std::invalid_argument otherwise).
std::string probe_wait_sql(PgVersion version, std::string_view lsn,
                           std::chrono::milliseconds timeout);

/// What the wait saw.
struct ProbeWait {
    double first_epoch = 0;       ///< the standby's clock at the first look
    bool replayed_first = false;  ///< the record was already replayed at the first look
    double clock_epoch = 0;       ///< the standby's clock when the wait ended
    bool replayed = false;        ///< replay reached the record
    std::string replay_lsn;       ///< the replay position then
};

/// Parses probe_wait_sql() output.
Result<ProbeWait> parse_probe_wait(std::string_view out);

/// Turns an emission and a wait into a result: Replayed with ms = max(0, wait - emit clocks)
/// (the first look's clock and upper_bound when it was already replayed then), or Timeout.
ProbeResult probe_result(const ProbeEmission& emission, const ProbeWait& wait);

/// Emits the probe record on the primary (one round trip, as postgres).
Result<ProbeEmission> emit_probe(Executor& executor, const Host& primary);

/// Waits for the record on a standby (one round trip, as postgres, read-only).
ProbeResult await_probe(Executor& executor, const Host& standby, const ProbeEmission& emission,
                        std::chrono::milliseconds timeout);

/// "not-run", "skipped", "replayed", "timeout" or "failed".
const char* to_string(ProbeStatus status);

}  // namespace pgrepl
