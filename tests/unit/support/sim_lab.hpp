// Simulated hosts behind an ExecutorFactory, for the orchestration tests of whole commands.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "borrowed_executor.hpp"
#include "pgrepl/engine/connect.hpp"
#include "sim_host.hpp"

namespace pgrepl::test {

/// Named SimHosts and the factory that connects to them (or fails for the unreachable ones).
struct SimLab {
    std::map<std::string, std::unique_ptr<SimHost>> hosts;  ///< by inventory name
    std::set<std::string> unreachable;                      ///< hosts whose connect fails
    int connects = 0;                                       ///< connections asked for

    /// Lends each host's fake; a host in `unreachable` fails with "timed out".
    ExecutorFactory factory() {
        return [this](const Host& host) -> Result<std::unique_ptr<Executor>> {
            ++connects;
            if (unreachable.count(host.name) != 0) {
                return make_host_error(ErrorKind::Connect, host.name, "connect", "timed out",
                                       "check the network");
            }
            return std::unique_ptr<Executor>(
                std::make_unique<BorrowedExecutor>(hosts.at(host.name)->fake()));
        };
    }

    /// The mutating calls of every host.
    int mutating_calls() {
        int calls = 0;
        for (auto& [name, host] : hosts) calls += host->fake().mutating_calls();
        return calls;
    }
};

}  // namespace pgrepl::test
