// The hot-standby rule in setup's order of work: a standby must never run with less of a
// hot-standby parameter than its upstream, so when one rises the standbys restart with it
// first, and when one falls the upstream goes first (setup's usual order).
#pragma once

#include <string>
#include <vector>

#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// One host of a setup run as the ordering sees it.
struct OrderHost {
    const Host* host = nullptr;              ///< the inventory host
    bool changes = false;                    ///< its chain may change it (not check-only)
    const HostSnapshot* snapshot = nullptr;  ///< its first snapshot, nullptr when unknown
};

/// A host that must not run, and why.
struct OrderBlock {
    std::string host;    ///< host name
    std::string reason;  ///< one line
    std::string hint;    ///< what to do
};

/// What the hot-standby rule asks of a run.
struct StandbyOrder {
    /// Standbys that restart with their new settings before their upstreams' chains run,
    /// deepest first (a parameter rises on their upstream).
    std::vector<std::string> standbys_first;
    std::vector<std::string> rising;  ///< the rising parameters, for the log
    std::vector<OrderBlock> blocked;  ///< hosts that must not run
};

/// Plans the order from the hosts' first snapshots and the inventory's settings. A parameter
/// that rises on a changing upstream puts every standby below it into `standbys_first`; one that
/// rises while another falls, or a rise whose standbys this run does not change, blocks the
/// upstream; a standby that would restart below what its unchanged upstream runs is blocked.
StandbyOrder plan_standby_order(const Inventory& inventory, const std::vector<OrderHost>& hosts);

}  // namespace pgrepl
