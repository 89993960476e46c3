// Whether `pgrepl switchover HOST` may hand the primary role to HOST, and what it does when the
// target does not catch up: pure functions of the gathered states, unit-tested on tables of
// cases. See docs/switchover.md for the rules and the sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/handover/state.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// When the target lags too much to switch over. The defaults are verify's (--max-lag-bytes,
/// --max-lag-seconds; a unit test keeps them equal).
struct SwitchoverThresholds {
    std::uint64_t max_lag_bytes = 16ull * 1024 * 1024;  ///< replay behind the primary, bytes
    double max_lag_seconds = 30;                        ///< the sender's replay_lag, seconds
};

/// What switchover reads of a host besides its HandoverHostState (its own query, read-only).
/// Every field is empty when the host was not reached or its server gave no answer.
struct SwitchoverFacts {
    std::optional<int> max_wal_senders;        ///< SHOW max_wal_senders
    std::optional<int> max_replication_slots;  ///< SHOW max_replication_slots
    std::optional<int> replication_slots;      ///< slots that exist (pg_replication_slots)
    std::vector<std::string> pending_restart;  ///< settings with pending_restart (9.5+)
    bool archiving = false;                    ///< archive_mode is on (or always)
    /// The archiver's last failure is newer than its last success (pg_stat_archiver).
    bool archive_failing = false;
    std::int64_t archive_failed_count = 0;  ///< pg_stat_archiver.failed_count
    std::string archive_last_failed_wal;    ///< pg_stat_archiver.last_failed_wal
    /// The primary's pg_stat_replication.replay_lag of this standby, when it is known.
    std::optional<double> replay_lag_seconds;
    /// The pg_hba.conf rules for the replication database (pg_hba_file_rules, 10+), one
    /// "TYPE USERS ADDRESS NETMASK METHOD" each; empty when unknown (before 10, no answer).
    std::optional<std::vector<std::string>> replication_hba;
};

/// What switchover will do.
enum class SwitchoverVerdict {
    Switch,  ///< every precondition holds: stop the primary, promote the target, re-point
    /// The target already is the primary and every other host streams in its topology: a
    /// re-run after the switchover ended (exit code 0), nothing is changed.
    Done,
    Refuse,  ///< a precondition does not hold (exit code 3), nothing is changed
    Usage,   ///< the target is not an inventory host (exit code 2)
    Fail,    ///< the target cannot be reached or queried (exit code 1)
};

/// "switch", "done", "refuse", "usage", "fail".
const char* to_string(SwitchoverVerdict verdict);

/// The error kind of a verdict that stops switchover (Refuse: Refused, Usage: Usage, Fail:
/// Connect), nullopt for Switch and Done; exit_code_for() turns it into the exit code.
std::optional<ErrorKind> stop_kind(SwitchoverVerdict verdict);

/// Where a switchover run starts.
enum class SwitchoverStart {
    Checkpoint,  ///< a new switchover: CHECKPOINT and stop the primary
    Stopped,     ///< a run killed after the stop: the primary is stopped already (step 2)
    Promoted,    ///< a run killed after the promotion: only the following is left (step 4)
};

/// The decision, with what the run needs. Host lists hold inventory indices.
struct SwitchoverDecision {
    SwitchoverVerdict verdict = SwitchoverVerdict::Refuse;  ///< what to do
    std::size_t primary = 0;  ///< the current (live) primary, which becomes a standby
    std::size_t target = 0;   ///< the standby that becomes the primary
    std::string reason;       ///< one line: why refused, or what will happen
    std::string hint;         ///< what the user can do about a refusal
    /// Standbys that stream from the old primary now: they follow the target afterwards.
    std::vector<std::size_t> siblings;
    /// Standbys that keep their upstream (below the target, or below another standby).
    std::vector<std::size_t> keep_upstream;
    std::uint64_t lag_bytes = 0;  ///< the target's replay behind the primary
    /// How many hosts stream from the target afterwards (the old primary, the siblings, the
    /// standbys below it): the WAL senders and (with slots) the slots it needs.
    int senders_needed = 0;
    /// Where the run starts (a run killed half-way is resumed or finished by the next one).
    SwitchoverStart start = SwitchoverStart::Checkpoint;
};

/// Decides. `states` and `facts` are aligned with inventory.hosts. Refused, in this order:
/// - an unknown target is a usage error; an unreachable or unqueryable target fails;
/// - the current primary: none running (unreachable, stopped: use promote for a failover), or
///   more than one running;
/// - the target: the primary itself; not running; not a standby; of another system; not
///   streaming (its WAL receiver) from the primary: a cascading standby (below another
///   standby) is refused, switch over to its upstream first; replay paused; replaying more
///   than `max_lag_bytes` behind the primary, or its replay_lag above `max_lag_seconds`;
///   a restart pending; a replication rule of the primary's pg_hba.conf that the target's
///   lacks (when both are known: the siblings and the old primary could not stream from it);
///   fewer max_wal_senders, or (replication.slots) max_replication_slots
///   minus the slots it has, than the hosts that will stream from it;
/// - every other host: unreachable, not running, not a standby of the same system;
/// - the primary archives and its archiver's last attempt failed.
SwitchoverDecision decide_switchover(const Inventory& inventory,
                                     const std::vector<HandoverHostState>& states,
                                     const std::vector<SwitchoverFacts>& facts,
                                     const std::string& target,
                                     const SwitchoverThresholds& thresholds = {});

/// A switchover to `target` that a killed run left half done, to be resumed (nullopt when
/// there is none): no host runs as the primary; exactly one reachable host is stopped with
/// switchover's marker naming `target` (HandoverHostState::switchover_note); the target runs
/// as a standby of the same system with replay not paused; every other host is a running
/// standby of it. The decision starts at Stopped; the siblings are the standbys configured to
/// stream from the stopped primary. The sequence then goes on from the stop (which finds the
/// server stopped) and the wait.
std::optional<SwitchoverDecision> decide_resume(const Inventory& inventory,
                                                const std::vector<HandoverHostState>& states,
                                                const std::string& target);

/// A switchover to `target` that a killed run left promoted but not followed, to be finished
/// (nullopt when there is none): the target runs as the only primary; exactly one other
/// reachable host carries switchover's marker naming `target` (the old primary, stopped with
/// standby.signal or running as a standby: the marker goes once it streams from the target),
/// of the same system; every other host is a running standby of that system. The decision
/// starts at Promoted: the old primary, the siblings (the standbys configured to stream from
/// it) and the others follow the target, as the end of a switchover does.
std::optional<SwitchoverDecision> decide_finish(const Inventory& inventory,
                                                const std::vector<HandoverHostState>& states,
                                                const std::string& target);

/// A switchover to `target` that has nothing left to do (nullopt otherwise): the target runs
/// as the only primary, no host carries switchover's marker, and every other host is a running
/// standby of the same system that streams from the target or, a cascade, from another
/// standby. The decision's verdict is Done; the siblings are the hosts streaming from the
/// target, keep_upstream the cascades. Asked only when decide_switchover refused and there is
/// nothing to resume or finish.
std::optional<SwitchoverDecision> decide_done(const Inventory& inventory,
                                              const std::vector<HandoverHostState>& states,
                                              const std::string& target);

/// What to do once the old primary is stopped and the target was waited for.
enum class CatchUpVerdict {
    Promote,  ///< the target holds everything: promote it
    Abort,    ///< start the old primary again as the primary, report, exit code 1
};

/// What the old primary's stop and the wait showed.
struct CatchUpInput {
    std::string primary;          ///< the old primary's name
    std::string target;           ///< the target's name
    bool clean_shutdown = false;  ///< pg_controldata says "shut down" (not "in production")
    std::optional<std::uint64_t> checkpoint;  ///< its shutdown checkpoint (pg_controldata)
    std::optional<std::uint64_t> received;    ///< the target's receive position after the wait
    std::optional<std::uint64_t> replayed;    ///< the target's replay position after the wait
    int timeout_s = 0;                        ///< --timeout
};

/// The decision after the wait.
struct CatchUpDecision {
    CatchUpVerdict verdict = CatchUpVerdict::Abort;  ///< promote or abort
    std::string reason;                              ///< one line
    std::string hint;                                ///< on abort: what the user can do
    /// Abort: ErrorKind::Remote (exit_code_for: 1); nullopt for Promote.
    std::optional<ErrorKind> kind = ErrorKind::Remote;
};

/// Promote only when the old primary shut down cleanly, its shutdown checkpoint is known and
/// the target received and replayed past it (the checkpoint record itself included: both
/// positions strictly beyond its start). Anything else aborts: the old primary is started
/// again as the primary, and the run exits with 1 (`kind`: ErrorKind::Remote).
CatchUpDecision decide_catch_up(const CatchUpInput& input);

}  // namespace pgrepl
