// The live topology of a cluster, discovered from what the hosts say (not from the inventory's
// roles, which are stale after a failover): the live primary, whom each standby streams from
// (its running WAL receiver) and whom it is configured to stream from (primary_conninfo). The
// one place where a conninfo or sender host is matched to an inventory host (docs/topology.md);
// setup's drift check, verify and promote all read it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// The inventory host (by index) that `endpoint` names, by the one upstream rule: among the
/// hosts whose inventory port equals the endpoint's port (5432 when it has none), the host
/// whose address equals the endpoint's host (IP addresses compared as addresses, so IPv6
/// spellings agree; names compared case-insensitively, a trailing dot ignored), else the host
/// whose name equals it (case-insensitively). No DNS lookup is made: a name matches only a name,
/// an IP address only an IP address. Several hosts at one step: ambiguous, std::nullopt. An
/// empty host: std::nullopt.
std::optional<std::size_t> match_upstream(const Inventory& inventory, const Endpoint& endpoint);

/// Where a host's upstream was learned.
enum class UpstreamSource {
    None,       ///< no upstream (a primary, or nothing to stream from)
    Live,       ///< the sender host of its running WAL receiver
    Inventory,  ///< not streaming: the host it should stream from (inventory, else live primary)
};

/// What the topology says about one host. Indices refer to the hosts it was discovered from.
struct TopologyNode {
    LiveRole role = LiveRole::Unknown;    ///< live role; Unknown when the host did not answer
    bool member = true;                   ///< same system identifier as the cluster (or unknown)
    std::optional<std::size_t> upstream;  ///< its upstream: the live one, else the expected one
    UpstreamSource upstream_source = UpstreamSource::None;  ///< how the upstream was found
    std::optional<std::size_t> live_upstream;        ///< its WAL receiver's sender (a standby)
    std::optional<std::size_t> configured_upstream;  ///< the host its primary_conninfo names
    /// Its inventory upstream: `upstream:`, else the inventory's primary; none for the
    /// inventory's primary.
    std::optional<std::size_t> inventory_upstream;
    std::string
        unknown_sender;  ///< "host:port" its receiver streams from, when not an inventory host
    /// A primary retired by a failover: another host is the only live primary, this one is not
    /// part of the live topology (unreachable, not gathered, or PostgreSQL not running) and it
    /// was the primary (the inventory says so, or it carries promote's fence marker). Not an
    /// expected standby; judged with warnings only.
    bool former_primary = false;
};

/// The live topology of the cluster; indices refer to the hosts it was discovered from.
struct LiveTopology {
    std::string system_identifier;         ///< the cluster's system identifier ("" when unknown)
    std::vector<std::size_t> primaries;    ///< every live primary of the cluster (> 1: split brain)
    std::optional<std::size_t> primary;    ///< the live primary taken as the cluster's primary
    std::size_t inventory_primary = 0;     ///< index of the inventory's primary
    std::vector<TopologyNode> nodes;       ///< one per host
    std::vector<std::string> differences;  ///< how the live topology differs from the inventory

    /// True when two or more hosts run as primaries of the same cluster.
    bool split_brain() const { return primaries.size() > 1; }
    /// True when `index` should be a standby: a live standby, or any host but the live
    /// primaries and the former primaries (and, with no live primary, but the inventory's
    /// primary).
    bool expected_standby(std::size_t index) const;
    /// The hosts whose upstream (live or expected) is `index`, in order.
    std::vector<std::size_t> downstreams(std::size_t index) const;
    /// The primary at the root of `index`'s chain of upstreams (itself for a primary);
    /// std::nullopt when the chain ends elsewhere or loops.
    std::optional<std::size_t> root_of(std::size_t index) const;
    /// For each host: whom it streams from by its configuration. None for a live primary; its
    /// configured upstream when it has one; else its inventory upstream.
    std::vector<std::optional<std::size_t>> configured_upstreams() const;
};

/// Discovers the live topology of `hosts` (each with `host` set, one per inventory host it
/// describes). The cluster's system identifier is the inventory primary's when it answered,
/// else the most common one. The live primaries are the hosts not in recovery with that
/// identifier; with several (split brain) the one with the most downstreams is taken, the
/// inventory's primary on a tie. Each host's live and configured upstreams are matched by
/// match_upstream() (a host naming itself has none: its live sender is then an unknown sender).
/// A standby's upstream is its live upstream; a host with no running receiver gets its
/// expected upstream: its inventory `upstream:`, else the live primary, else the inventory's
/// primary. Former primaries (see TopologyNode::former_primary) get none.
LiveTopology live_topology(const Inventory& inventory, const std::vector<LiveHost>& hosts);

/// "live", "inventory" or "none".
const char* to_string(UpstreamSource source);

}  // namespace pgrepl
