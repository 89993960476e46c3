#include "pgrepl/handover/gather.hpp"

#include <fmt/format.h>

#include "pgrepl/util/parallel.hpp"

namespace pgrepl {

bool port_answers(const std::optional<ReachResult>& reach) {
    return reach && (reach->reach == Reach::Open || reach->reach == Reach::Refused);
}

void note_postgres_reach(HandoverHostState& state, const std::optional<ReachResult>& reach) {
    if (!reach) return;
    state.postgres_reach = reach;
    if (!port_answers(reach)) return;
    state.answered = true;
    state.unreachable_reason += fmt::format(
        "; but its PostgreSQL port {} {}", reach->endpoint,
        reach->reach == Reach::Open ? "accepts connections" : "refuses connections (it is up)");
}

std::vector<HandoverHostState> connect_and_gather(const Inventory& inventory,
                                                  const ExecutorFactory& factory,
                                                  const GatherOptions& options,
                                                  std::vector<HostLink>& links) {
    std::vector<HandoverHostState> states(inventory.hosts.size());
    // Each host in its own thread: reach, connect and gather; its PostgreSQL port is probed at
    // the same time (the answer counts only for a host whose SSH port is silent).
    links = connect_hosts(all_hosts(inventory), options.mode, factory,
                          ConnectOptions{options.reach, options.postgres_reach, options.lock},
                          [&](std::size_t i, HostLink& link) {
                              if (link.connected())
                                  states[i] = gather_handover_state(
                                      *link.executor(), inventory.hosts[i], options.extend);
                          });
    for (std::size_t i = 0; i < states.size(); ++i) {
        const HostLink& link = links[i];
        if (!link.connected()) states[i] = unreachable_state(inventory.hosts[i], link.error());
        // A host whose SSH port answered is up, whatever failed after (or refused it).
        if (!states[i].reachable)
            states[i].answered = states[i].answered || port_answers(link.reach());
        if (link.reach() && link.reach()->reach == Reach::Silent)
            note_postgres_reach(states[i], link.postgres_reach());
    }
    return states;
}

void regather(const Inventory& inventory, std::vector<HostLink>& links,
              std::vector<HandoverHostState>& states) {
    parallel_for(states.size(), [&](std::size_t i) {
        if (!links[i].connected()) return;
        states[i] = gather_handover_state(*links[i].executor(), inventory.hosts[i]);
    });
}

}  // namespace pgrepl
