#include "pgrepl/verify/topology.hpp"

namespace pgrepl {
namespace {

LiveHost live_host(const HostState& state) {
    LiveHost live;
    live.host = state.host;
    live.answered = state.reached();
    live.running = state.running();
    live.fence_note = state.fence_note;
    if (state.server) {
        // The receiver as pg_stat_wal_receiver's own row says it (verify's "receiver" query).
        LiveServer server = *state.server;
        server.receiver.reset();
        if (state.receiver) {
            LiveReceiver receiver;
            receiver.status = state.receiver->status;
            receiver.sender = Endpoint{state.receiver->sender_host, state.receiver->sender_port};
            server.receiver = std::move(receiver);
        }
        live.server = std::move(server);
    }
    return live;
}

}  // namespace

std::vector<LiveHost> live_hosts(const std::vector<HostState>& states) {
    std::vector<LiveHost> hosts;
    hosts.reserve(states.size());
    for (const auto& state : states) hosts.push_back(live_host(state));
    return hosts;
}

}  // namespace pgrepl
