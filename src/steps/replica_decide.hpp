// The replica step's decision from a snapshot (used by the cluster step too: it leaves a host
// that the replica step rewinds stopped, fenced or not).
#pragma once

#include "pgrepl/engine/step.hpp"
#include "pgrepl/steps/replica_guard.hpp"

namespace pgrepl::steps {

/// What the replica step asks for in the host's snapshot: its standby settings, the fence and
/// clone markers, the fresh-cluster and standby-timeline queries, the upstream's replication
/// login (its system identifier, timeline and history).
void replica_request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                     SnapshotRequest& request);

/// True when the host's stopped data directory is the cluster that the cluster step created
/// for a replica and never started (ClusterPaths::fresh_marker names its system identifier, no
/// postmaster.opts, no backup_label, no standby.signal): it holds nothing but initdb's output.
bool fresh_created(const StepContext& context);

/// decide_replica() on the guard input read from the snapshot taken with replica_request().
ReplicaDecision replica_decision(const StepContext& context);

}  // namespace pgrepl::steps
