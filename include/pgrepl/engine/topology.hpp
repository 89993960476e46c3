// Comparing the live topology (what each host says it is) with the inventory.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// A host whose live role contradicts the inventory.
struct DriftProblem {
    std::string host;     ///< the mismatched host
    std::string message;  ///< what it is versus what the inventory says
};

/// Finds hosts whose live role contradicts the inventory: the inventory's primary running as
/// a standby; a replica running as a primary of the same system (same system identifier as
/// the inventory's primary or as any standby of it), e.g. after a failover. Hosts missing from
/// `facts` (unreachable) or not running are not judged.
std::vector<DriftProblem> find_drift(const Inventory& inventory,
                                     const std::map<std::string, HostSnapshot>& facts);

}  // namespace pgrepl
