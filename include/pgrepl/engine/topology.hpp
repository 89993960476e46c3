// Comparing the live topology (what each host says it is, pgrepl/engine/live_topology.hpp)
// with the inventory: setup's drift check.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/engine/live_topology.hpp"
#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// A host whose live role contradicts the inventory.
struct DriftProblem {
    std::string host;     ///< the mismatched host
    std::string message;  ///< what it is versus what the inventory says
};

/// What the live topology needs of setup's snapshots (by host name; a host missing from
/// `snapshots` did not answer): one per inventory host, in inventory order.
std::vector<LiveHost> live_hosts(const Inventory& inventory,
                                 const std::map<std::string, HostSnapshot>& snapshots);

/// Finds hosts whose live role contradicts the inventory: the inventory's primary running as
/// a standby; a replica running as a primary of the same system (same system identifier as
/// the inventory's primary or as any standby of it), e.g. after a failover. Hosts that did not
/// answer or do not run PostgreSQL are not judged. `hosts` and `topology` (discovered from
/// them by live_topology()) are aligned.
std::vector<DriftProblem> find_drift(const LiveTopology& topology,
                                     const std::vector<LiveHost>& hosts);

/// find_drift() of the live topology of setup's snapshots (see live_hosts()).
std::vector<DriftProblem> find_drift(const Inventory& inventory,
                                     const std::map<std::string, HostSnapshot>& snapshots);

}  // namespace pgrepl
