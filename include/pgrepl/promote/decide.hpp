// Whether and how `pgrepl promote` may promote a host: a pure function of the gathered states,
// unit-tested on a table of cases. See docs/promote.md for the rules.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/engine/step.hpp"
#include "pgrepl/handover/follow.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/promote/liveness.hpp"

namespace pgrepl {

/// What promote will do.
enum class PromoteVerdict {
    Promote,  ///< promote the target (after fencing what `stop_and_fence` lists)
    Resume,   ///< the target already runs as the primary (promoted earlier): re-point the others
    Refuse,   ///< refused for safety (exit code 3)
    Wait,     ///< not yet: an unreachable old primary may be alive; look again (`wait_for`)
    Usage,    ///< the target is not an inventory host (exit code 2)
    Fail,     ///< the target cannot be reached or queried (exit code 1)
};

/// "promote", "resume", "refuse", "wait", "usage", "fail".
const char* to_string(PromoteVerdict verdict);

/// The error kind of a verdict that stops promote (Refuse: Refused, Usage: Usage, Fail:
/// Connect), nullopt for Promote, Resume and Wait; exit_code_for() turns it into the exit code.
std::optional<ErrorKind> stop_kind(PromoteVerdict verdict);

/// The decision, with everything the run needs. Host lists hold inventory indices.
struct PromoteDecision {
    PromoteVerdict verdict = PromoteVerdict::Refuse;  ///< what to do
    std::size_t target = 0;                           ///< the host to promote
    std::string reason;             ///< one line: why refused or failed, or what will happen
    std::string hint;               ///< what the user can do about a refusal
    std::string system_identifier;  ///< the cluster's (the target's)
    std::vector<std::size_t> stop_and_fence;   ///< live primaries to stop and fence (--force)
    std::vector<std::size_t> fence_stopped;    ///< stopped, unfenced old primaries to fence
    std::vector<std::size_t> old_primaries;    ///< every host that is a primary no more
    std::vector<std::size_t> assumed_dead;     ///< unreachable old primaries (cannot be fenced)
    std::vector<std::size_t> followers;        ///< running standbys that will follow the target
    std::vector<AheadStandby> ahead;           ///< standbys ahead of the target (need re-cloning)
    std::vector<std::size_t> unreachable;      ///< hosts that could not be reached
    std::vector<std::string> notes;            ///< warnings and remarks, one line each
    std::optional<std::size_t> most_advanced;  ///< the standby holding the most WAL
    /// Wait: how much longer the standbys' silence must last to prove the old primaries that
    /// `waiting_on` lists dead.
    std::chrono::milliseconds wait_for{0};
    std::vector<std::size_t> waiting_on;  ///< Wait: the old primaries not known dead yet
};

/// What promote knows while it waits for evidence that an unreachable old primary is down.
struct PromoteWait {
    FirstLook first;                    ///< what the first look saw (not taken: this is it)
    std::chrono::milliseconds left{0};  ///< how much longer it may wait (--wait minus waited)
};

/// Decides. `states` is aligned with inventory.hosts. The rules, in order:
/// - an unknown target is a usage error; an unreachable or unqueryable target fails;
/// - refused: the target is not running; runs as a standby of another system; is already the
///   inventory's primary; runs as a primary while another host does too;
/// - a target that already runs as the primary (not the inventory's) resumes: re-point only;
/// - refused unless --force: another host runs as a primary of the same system (with --force
///   it is stopped and fenced first); an old primary that is up (its SSH or PostgreSQL port
///   answers) but cannot be inspected; an unreachable old primary that judge_liveness() finds
///   alive (a standby heard from it after the first look), or unsure when `wait.left` is too
///   short for the silence to prove it dead; another standby holds WAL the target has not
///   received (with --force that standby is left alone and must be re-cloned);
/// - Wait (without --force, when nothing else refuses): an unreachable old primary is unsure
///   and `wait.left` is long enough: look again.
/// Unreachable old primaries are assumed dead (noted). Stopped old primaries of the same system
/// that are not fenced yet are fenced (no stop needed).
PromoteDecision decide_promote(const Inventory& inventory,
                               const std::vector<HandoverHostState>& states,
                               const std::string& target, Force force,
                               const PromoteWait& wait = {});

}  // namespace pgrepl
