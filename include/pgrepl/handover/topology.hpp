// The topology before and after a promotion: whom each host streams from now (its configured
// primary_conninfo, else the inventory), the inventory describing the new topology (which the
// setup steps are then run against), and the inventory lines that the promotion made stale.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/engine/live_topology.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// The inventory host that a standby's configured primary_conninfo names, by the one upstream
/// rule (match_upstream()); std::nullopt when none does, when it names the host itself, or
/// when nothing is configured.
std::optional<std::size_t> configured_upstream(const Inventory& inventory,
                                               const HandoverHostState& state);

/// The live topology (engine/live_topology) of the gathered states (aligned with
/// inventory.hosts): each state's server answer, fence marker and recovery.conf upstream.
LiveTopology live_topology_of(const Inventory& inventory,
                              const std::vector<HandoverHostState>& states);

/// For each host (by inventory index): the host it streams from now, from the live topology
/// (LiveTopology::configured_upstreams()): a standby's configured upstream when it has one,
/// else its inventory upstream (the inventory's primary for a plain replica); std::nullopt for
/// a live primary and for the inventory's primary when nothing says otherwise. `states` is
/// aligned with inventory.hosts.
std::vector<std::optional<std::size_t>> current_upstreams(
    const Inventory& inventory, const std::vector<HandoverHostState>& states);

/// A copy of `inventory` describing the topology after promoting `target`: the target is the
/// primary (no upstream); every old primary is a replica of the target; a host whose current
/// upstream is an old primary, the target or unknown streams from the target; every other host
/// keeps its current upstream (cascading replicas below the promoted host, or below another
/// replica, stay where they are). A chain of upstreams that would not reach the target is cut
/// and pointed at the target. In the copy, `upstream` is empty for hosts of the target.
Inventory promoted_inventory(const Inventory& inventory, std::size_t target,
                             const std::vector<std::size_t>& old_primaries,
                             const std::vector<std::optional<std::size_t>>& upstreams);

/// What kind of inventory line is stale.
enum class StaleKind {
    Role,      ///< a `role:` value (rewritten by --update-inventory)
    Upstream,  ///< an `upstream:` key that names the wrong host (edit it by hand)
};

/// A line of the inventory file that no longer describes the cluster.
struct StaleLine {
    StaleKind kind = StaleKind::Role;  ///< role or upstream
    std::string host;                  ///< the host it belongs to
    SourceMark mark;                   ///< the role value, or the host's entry for an upstream
    Role from = Role::Replica;         ///< Role: the value in the file
    Role to = Role::Replica;           ///< Role: the value now
    std::string message;               ///< "role: replica -> primary", "upstream: remove db2"
};

/// The lines of `file` (as loaded) that differ from the `promoted` topology: role values that
/// changed, and explicit `upstream:` keys that no longer name the host's upstream (or sit on
/// the new primary, which cannot have one). In file order.
std::vector<StaleLine> stale_inventory_lines(const Inventory& file, const Inventory& promoted);

}  // namespace pgrepl
