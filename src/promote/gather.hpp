// Asking the hosts what they are (internal to src/promote/): one link per host for the whole
// run (engine/connect: reach probes, SSH session, dry-run guard), the state round trip; and,
// while an unreachable old
// primary may still be alive, looking again every second (with a countdown) until the evidence
// agrees or --wait runs out.
#pragma once

#include <vector>

#include "follow.hpp"
#include "pgrepl/engine/connect.hpp"
#include "pgrepl/promote/decide.hpp"
#include "pgrepl/promote/promote.hpp"
#include "pgrepl/promote/state.hpp"
#include "print.hpp"

namespace pgrepl::promote_detail {

/// Connects to every host and gathers its state, each host in its own thread. A host whose SSH
/// port does not answer a TCP connect (Silent) is down: no SSH connection is tried. One that
/// refuses it is up but cannot be inspected; so is one whose port answered but whose SSH
/// connection or gathering then failed, and one whose SSH port is silent but whose PostgreSQL
/// port answers (probed alongside). `links` is filled, aligned with inventory.hosts.
std::vector<PromoteHostState> connect_and_gather(const Inventory& inventory,
                                                 const ExecutorFactory& factory,
                                                 const PromoteOptions& options,
                                                 std::vector<HostLink>& links);

/// Gathers again on the hosts that were reachable (after fencing).
void regather(const Inventory& inventory, std::vector<HostLink>& links,
              std::vector<PromoteHostState>& states);

/// While `decision` says Wait: prints "waiting for evidence that db1 is down: 7 s left (...)",
/// probes the unreachable hosts' SSH and PostgreSQL ports again (one that answers is up),
/// gathers every reachable host's state again, and decides again with what the first look saw
/// and the --wait left; about once a second. Returns the first decision that is not Wait;
/// `states` holds what it was made on.
PromoteDecision wait_for_evidence(const Inventory& inventory, const PromoteOptions& options,
                                  std::vector<HostLink>& links,
                                  std::vector<PromoteHostState>& states, PromoteDecision decision,
                                  EventSink& sink);

}  // namespace pgrepl::promote_detail
