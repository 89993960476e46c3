#include "pgrepl/engine/connect.hpp"

#include "pgrepl/util/parallel.hpp"

namespace pgrepl {

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
