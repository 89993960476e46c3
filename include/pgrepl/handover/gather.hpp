// Asking the hosts what they are, for the commands that change roles (promote, switchover):
// one link per host for the whole run (engine/connect: reach probes, SSH session, dry-run
// guard) and the state round trip.
#pragma once

#include <optional>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/exec/reach.hpp"
#include "pgrepl/handover/state.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// How connect_and_gather() connects.
struct GatherOptions {
    RunMode mode = RunMode::Apply;  ///< check: every link behind a dry-run guard
    ReachProbe reach;               ///< the TCP probe of each SSH port (empty: none)
    ReachProbe postgres_reach;      ///< the same of each PostgreSQL port (empty: none)
    RequestExtension extend;        ///< the command's own queries, in the same round trip
    LockOptions lock;               ///< the host lock (apply mode; docs/locking.md)
};

/// Connects to every host and gathers its state, each host in its own thread. A host whose SSH
/// port does not answer a TCP connect (Silent) is down: no SSH connection is tried. One that
/// refuses it is up but cannot be inspected; so is one whose port answered but whose SSH
/// connection or gathering then failed, and one whose SSH port is silent but whose PostgreSQL
/// port answers (probed alongside). `links` is filled, aligned with inventory.hosts. With
/// options.lock every connected host is locked before it is gathered; when a lock is refused
/// nothing is gathered and lock_refusal(links) says why (the caller stops).
std::vector<HandoverHostState> connect_and_gather(const Inventory& inventory,
                                                  const ExecutorFactory& factory,
                                                  const GatherOptions& options,
                                                  std::vector<HostLink>& links);

/// Gathers again on the hosts that were reachable (after fencing).
void regather(const Inventory& inventory, std::vector<HostLink>& links,
              std::vector<HandoverHostState>& states);

/// Whether a reach probe found the port up (it accepted or refused the connection).
bool port_answers(const std::optional<ReachResult>& reach);

/// Records the PostgreSQL port's probe on a host whose SSH port did not answer: if it answers,
/// the host is up (`answered`, and the reason says so).
void note_postgres_reach(HandoverHostState& state, const std::optional<ReachResult>& reach);

}  // namespace pgrepl
