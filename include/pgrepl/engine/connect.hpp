// Opening one executor per host, in parallel.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/exec/reach.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// Makes a connected executor for a host (connect_ssh in production, fakes in tests).
using ExecutorFactory = std::function<Result<std::unique_ptr<Executor>>(const Host&)>;

/// A factory that first probes the host's SSH port with `probe` and fails at once (ErrorKind::
/// Connect, naming the endpoint) when the host is silent or refuses the connection, without
/// waiting for the SSH connect timeout; otherwise it calls `inner`.
ExecutorFactory probing_factory(ExecutorFactory inner, ReachProbe probe);

/// A host and its executor, or why it could not be reached.
struct HostSession {
    const Host* host = nullptr;                  ///< the inventory host
    Result<std::unique_ptr<Executor>> executor;  ///< connected executor or the connect error
};

/// Connects to every host at once (one thread each) and returns them in the given order.
std::vector<HostSession> connect_all(const std::vector<const Host*>& hosts,
                                     const ExecutorFactory& factory);

/// Every host of the inventory, in file order.
std::vector<const Host*> all_hosts(const Inventory& inventory);

}  // namespace pgrepl
