// `pgrepl promote HOST`: fail over to a replica, re-point the others, never split the brain.
// See docs/promote.md for what it checks, what it changes and in which order.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/exec/reach.hpp"
#include "pgrepl/promote/report.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// The default of --wait: enough for the managed wal_receiver_timeout (10 s: dead after 7 s of
/// silence) and for PostgreSQL's default of 60 s when the loss is a few seconds old.
inline constexpr std::chrono::milliseconds kDefaultPromoteWait{30000};

/// Options of `pgrepl promote`.
struct PromoteOptions {
    std::string target;                                      ///< the host to promote
    RunMode mode = RunMode::Apply;                           ///< --check gives RunMode::Check
    Force force = Force::No;                                 ///< --force
    UpdateInventory update_inventory = UpdateInventory::No;  ///< --update-inventory
    bool show_diffs = false;  ///< -v: diffs of the re-pointed settings
    /// --connect-timeout: seconds to wait for each host's SSH connection instead of the
    /// inventory's ssh.connect_timeout. An old primary that does not answer in time is assumed
    /// dead, so this bounds how long a failover waits for a dead host.
    std::optional<int> connect_timeout;
    /// --reach-timeout: before any SSH connection, each host's SSH port gets a TCP connect
    /// with this short deadline (empty: no probe). A host whose kernel does not answer is down
    /// or cut off and is not waited for; one that refuses the connection is up (so it may
    /// still run PostgreSQL) but cannot be inspected.
    ReachProbe reach;
    /// The same probe of each host's PostgreSQL port (empty: none), run alongside `reach`: a
    /// host whose SSH port is silent but whose PostgreSQL port answers is up.
    ReachProbe postgres_reach;
    /// --wait: how long, at most, promote waits for the standbys' silence to prove an
    /// unreachable old primary dead when they still stream from it (0: decide at once). It
    /// stops waiting as soon as the evidence agrees either way.
    std::chrono::milliseconds wait{kDefaultPromoteWait};
    /// --wait-lock: how long to wait for the host lock of another run (docs/locking.md).
    std::chrono::seconds wait_lock{0};
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();  ///< t0
};

/// Runs promote and returns its report: every event in order (each printed to `out` as text
/// as it happens: progress, the new topology, the stale inventory lines, the timings) and the
/// exit code: 0 promoted (or, with --check, it would promote); 1 the promotion failed, the
/// target is unreachable, or the inventory could not be updated; 2 the target is not an
/// inventory host; 3 refused for safety (nothing was changed), also when another run holds the
/// host lock of a reachable host (taken on every reachable host in apply mode). Standbys that
/// cannot follow are reported with a hint and do not change the exit code.
PromoteReport run_promote(const Inventory& inventory, const PromoteOptions& options,
                          const ExecutorFactory& factory, std::ostream& out);

}  // namespace pgrepl
