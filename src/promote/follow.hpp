// Re-pointing the other standbys after a promotion (internal to src/promote/): slots on the new
// primary, the setup engine's replica step on each follower, then a check that each streams.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/exec/executor.hpp"
#include "pgrepl/promote/decide.hpp"
#include "pgrepl/promote/promote.hpp"
#include "print.hpp"

namespace pgrepl::promote_detail {

/// What re-pointing achieved.
struct FollowOutcome {
    std::vector<std::string> remarks;  ///< per host index, for the topology ("following", ...)
    int following = 0;                 ///< standbys streaming from their new upstream
    int not_following = 0;             ///< followers that did not make it (hint printed)
    std::optional<std::chrono::milliseconds> all_following_at;  ///< when the last one did
};

/// Everything re-pointing needs.
struct FollowInput {
    const Inventory& promoted;                    ///< the new topology
    const PromoteDecision& decision;              ///< who follows, who is ahead, ...
    const std::vector<PromoteHostState>& states;  ///< the states the decision was made on
    std::vector<HostLink>& links;                 ///< by inventory index (dry-run guards in check)
    const std::string& password;                  ///< the replication password (may be empty)
    RunMode mode = RunMode::Apply;                ///< check: plan only (dry-run guards)
    int timeline = 0;                             ///< the new primary's timeline
    bool show_diffs = false;                      ///< print the diffs of the replica step
    /// Yes when the inventory file's roles already describe the new topology (or this run
    /// rewrites them): the re-clone hint then skips "update the inventory's roles".
    UpdateInventory roles_current = UpdateInventory::No;
};

/// On the new primary, the slots step for its direct followers (when replication.slots);
/// then on every follower at once, the replica step (it re-points a standby whose settings
/// differ) and, in apply mode, a wait until it streams on the new timeline. Emits an event per
/// step and per follower; a follower that cannot follow gets the re-clone hint.
FollowOutcome repoint_followers(const FollowInput& input, EventSink& sink);

}  // namespace pgrepl::promote_detail
