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

/// decide_replica() on the guard input read from the snapshot taken with replica_request().
ReplicaDecision replica_decision(const StepContext& context);

}  // namespace pgrepl::steps
