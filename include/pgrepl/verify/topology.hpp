// verify's view of the live topology (pgrepl/engine/live_topology.hpp): the hosts' gathered
// states as the live topology reads them.
#pragma once

#include <vector>

#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/engine/live_topology.hpp"
#include "pgrepl/verify/state.hpp"

namespace pgrepl {

/// What the live topology needs of verify's gathered states, one per state, in order: whether
/// the host answered and runs PostgreSQL, its role, system identifier and WAL receiver, and
/// its fence marker. `states[i].host` must be set for every state; the result points into
/// the inventory the states point into.
std::vector<LiveHost> live_hosts(const std::vector<HostState>& states);

}  // namespace pgrepl
