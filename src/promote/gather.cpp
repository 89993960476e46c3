#include "gather.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "pgrepl/util/parallel.hpp"

namespace pgrepl::promote_detail {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool answers(const std::optional<ReachResult>& reach) {
    return reach && (reach->reach == Reach::Open || reach->reach == Reach::Refused);
}

// Records the PostgreSQL port's probe on a host whose SSH port did not answer: if it answers,
// the host is up.
void note_postgres_reach(PromoteHostState& state, const std::optional<ReachResult>& reach) {
    if (!reach) return;
    state.postgres_reach = reach;
    if (!answers(reach)) return;
    state.answered = true;
    state.unreachable_reason += fmt::format(
        "; but its PostgreSQL port {} {}", reach->endpoint,
        reach->reach == Reach::Open ? "accepts connections" : "refuses connections (it is up)");
}

std::vector<std::string> host_names(const Inventory& inventory,
                                    const std::vector<std::size_t>& hosts) {
    std::vector<std::string> names;
    for (auto i : hosts) names.push_back(inventory.hosts[i].name);
    return names;
}

}  // namespace

std::vector<PromoteHostState> connect_and_gather(const Inventory& inventory,
                                                 const ExecutorFactory& factory,
                                                 const PromoteOptions& options,
                                                 std::vector<HostLink>& links) {
    std::vector<PromoteHostState> states(inventory.hosts.size());
    // Each host in its own thread: reach, connect and gather; its PostgreSQL port is probed at
    // the same time (the answer counts only for a host whose SSH port is silent).
    links = connect_hosts(
        all_hosts(inventory), options.mode, factory,
        ConnectOptions{options.reach, options.postgres_reach}, [&](std::size_t i, HostLink& link) {
            if (link.connected())
                states[i] = gather_promote_state(*link.executor(), inventory.hosts[i]);
        });
    for (std::size_t i = 0; i < states.size(); ++i) {
        const HostLink& link = links[i];
        if (!link.connected()) states[i] = unreachable_state(inventory.hosts[i], link.error());
        // A host whose SSH port answered is up, whatever failed after (or refused it).
        if (!states[i].reachable) states[i].answered = states[i].answered || answers(link.reach());
        if (link.reach() && link.reach()->reach == Reach::Silent)
            note_postgres_reach(states[i], link.postgres_reach());
    }
    return states;
}

void regather(const Inventory& inventory, std::vector<HostLink>& links,
              std::vector<PromoteHostState>& states) {
    parallel_for(states.size(), [&](std::size_t i) {
        if (!links[i].connected()) return;
        states[i] = gather_promote_state(*links[i].executor(), inventory.hosts[i]);
    });
}

PromoteDecision wait_for_evidence(const Inventory& inventory, const PromoteOptions& options,
                                  std::vector<HostLink>& links,
                                  std::vector<PromoteHostState>& states, PromoteDecision decision,
                                  EventSink& sink) {
    const auto count = states.size();
    const auto started = Clock::now();
    PromoteWait wait{first_look(states), options.wait};
    while (decision.verdict == PromoteVerdict::Wait) {
        const auto next =
            Clock::now() + std::clamp(decision.wait_for, milliseconds(100), milliseconds(1000));
        sink.emit(PromoteWaiting{host_names(inventory, decision.waiting_on),
                                 (decision.wait_for.count() + 999) / 1000, decision.reason});
        // Look again: every reachable host's state; the silent hosts' SSH and PostgreSQL ports.
        std::vector<std::optional<ReachResult>> ssh(count);
        std::vector<std::optional<ReachResult>> postgres(count);
        parallel_for(2 * count, [&](std::size_t k) {
            const std::size_t i = k % count;
            const Host& host = inventory.hosts[i];
            if (links[i].connected()) {
                if (k < count) states[i] = gather_promote_state(*links[i].executor(), host);
            } else if (!states[i].answered) {
                (k < count ? ssh[i] : postgres[i]) =
                    run_reach_probe(k < count ? options.reach : options.postgres_reach, host);
            }
        });
        for (std::size_t i = 0; i < count; ++i) {
            if (answers(ssh[i])) {
                states[i].answered = true;
                states[i].unreachable_reason +=
                    fmt::format("; its SSH port {} answers again", ssh[i]->endpoint);
            }
            if (!states[i].answered) note_postgres_reach(states[i], postgres[i]);
        }
        std::this_thread::sleep_until(next);
        const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
        wait.left = std::max(milliseconds(0), options.wait - waited);
        decision = decide_promote(inventory, states, options.target, options.force, wait);
    }
    return decision;
}

}  // namespace pgrepl::promote_detail
