#include "pgrepl/engine/connect.hpp"

#include <fmt/format.h>

#include "pgrepl/util/parallel.hpp"

namespace pgrepl {

ExecutorFactory probing_factory(ExecutorFactory inner, ReachProbe probe) {
    return [inner = std::move(inner),
            probe = std::move(probe)](const Host& host) -> Result<std::unique_ptr<Executor>> {
        const ReachResult reach = probe(host);
        if (reach.reach == Reach::Silent || reach.reach == Reach::Refused) {
            return make_error(
                ErrorKind::Connect,
                fmt::format("{}: connect: {}: {}", host.name, reach.endpoint, reach.detail),
                reach.reach == Reach::Silent
                    ? "check that the host is up and its network plugged in; on a slow link "
                      "raise --reach-timeout"
                    : "the host is up: start sshd there, or check ssh.port");
        }
        return inner(host);
    };
}

std::vector<HostSession> connect_all(const std::vector<const Host*>& hosts,
                                     const ExecutorFactory& factory) {
    std::vector<HostSession> sessions;
    sessions.reserve(hosts.size());
    for (const Host* host : hosts) {
        sessions.push_back(HostSession{host, make_error(ErrorKind::Internal, "not connected")});
    }
    parallel_for(hosts.size(), [&](std::size_t i) { sessions[i].executor = factory(*hosts[i]); });
    return sessions;
}

std::vector<const Host*> all_hosts(const Inventory& inventory) {
    std::vector<const Host*> hosts;
    for (const auto& host : inventory.hosts) hosts.push_back(&host);
    return hosts;
}

}  // namespace pgrepl
