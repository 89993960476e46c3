// Waiting for evidence (internal to src/promote/): while an unreachable old primary may still
// be alive, looking again every second (with a countdown) until the evidence agrees or --wait
// runs out.
#pragma once

#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/promote/decide.hpp"
#include "pgrepl/promote/promote.hpp"
#include "print.hpp"

namespace pgrepl::promote_detail {

/// While `decision` says Wait: prints "waiting for evidence that db1 is down: 7 s left (...)",
/// probes the unreachable hosts' SSH and PostgreSQL ports again (one that answers is up),
/// gathers every reachable host's state again, and decides again with what the first look saw
/// and the --wait left; about once a second. Returns the first decision that is not Wait;
/// `states` holds what it was made on.
PromoteDecision wait_for_evidence(const Inventory& inventory, const PromoteOptions& options,
                                  std::vector<HostLink>& links,
                                  std::vector<HandoverHostState>& states, PromoteDecision decision,
                                  EventSink& sink);

}  // namespace pgrepl::promote_detail
