// Re-pointing the other standbys after a role change (promote, switchover): slots on the new
// primary, the setup engine's replica step on each follower, then a check that each streams.
// What happens is reported as events into a RepointSink; nothing here formats output.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/runner.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/handover/inventory_edit.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// A standby holding WAL that the new primary has not received.
struct AheadStandby {
    std::size_t host = 0;     ///< inventory index
    std::uint64_t bytes = 0;  ///< how far ahead of the new primary it is
};

/// A setup step run while re-pointing (slots on the new primary, replica on a follower).
struct RepointStep {
    StepReport report;   ///< the step's report (its hint already the re-clone hint on failure)
    std::string detail;  ///< the step's own first hint line, on failure
};
/// A follower streams from its new upstream, or does not.
struct RepointFollowed {
    std::string host;                 ///< the follower
    std::string upstream;             ///< its new upstream
    bool following = false;           ///< it streams on the new timeline
    int timeline = 0;                 ///< the timeline it streams on
    std::chrono::milliseconds at{0};  ///< since the start
    std::int64_t timeout_s = 0;       ///< how long it was waited for
    std::string status;               ///< when not following: what its receiver does
    std::string hint;                 ///< when not following: the re-clone hint
    std::string log_tail;             ///< when not following: the end of its server log
};
/// A standby ahead of the new primary is not re-pointed.
struct RepointAhead {
    std::string host;         ///< the standby
    std::uint64_t bytes = 0;  ///< how far ahead it is
    std::string primary;      ///< the new primary
    std::string hint;         ///< the re-clone hint
};

/// One thing that happened while re-pointing.
using RepointEvent = std::variant<RepointStep, RepointFollowed, RepointAhead>;

/// Receives the re-pointing's events, from any thread (the command's own event sink).
class RepointSink {
  public:
    virtual ~RepointSink() = default;
    /// Records and prints `event`.
    virtual void emit(RepointEvent event) = 0;
    /// Time since the start of the command.
    virtual std::chrono::milliseconds elapsed() const = 0;
};

/// What re-pointing achieved.
struct FollowOutcome {
    std::vector<std::string> remarks;  ///< per host index, for the topology ("following", ...)
    int following = 0;                 ///< standbys streaming from their new upstream
    int not_following = 0;             ///< followers that did not make it (hint printed)
    std::optional<std::chrono::milliseconds> all_following_at;  ///< when the last one did
};

/// Everything re-pointing needs.
struct FollowInput {
    const Inventory& promoted;                  ///< the new topology
    std::size_t target = 0;                     ///< the new primary (inventory index)
    const std::vector<std::size_t>& followers;  ///< running standbys that follow it
    const std::vector<AheadStandby>& ahead;     ///< standbys ahead of it (not re-pointed)
    std::vector<HostLink>& links;               ///< by inventory index (dry-run guards in check)
    const std::string& password;                ///< the replication password (may be empty)
    RunMode mode = RunMode::Apply;              ///< check: plan only (dry-run guards)
    int timeline = 0;                           ///< the new primary's timeline
    /// The command, for the re-clone hint ("pgrepl COMMAND --update-inventory").
    std::string command = "promote";
    /// Yes when the inventory file's roles already describe the new topology (or this run
    /// rewrites them): the re-clone hint then skips "update the inventory's roles".
    UpdateInventory roles_current = UpdateInventory::No;
};

/// On the new primary, the slots step for its direct followers (when replication.slots);
/// then on every follower at once, the replica step (it re-points a standby whose settings
/// differ) and, in apply mode, a wait until it streams on the new timeline. Emits an event per
/// step and per follower; a follower that cannot follow gets the re-clone hint.
FollowOutcome repoint_followers(const FollowInput& input, RepointSink& sink);

}  // namespace pgrepl
