#include "wait.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "pgrepl/handover/gather.hpp"
#include "pgrepl/util/parallel.hpp"

namespace pgrepl::promote_detail {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<std::string> host_names(const Inventory& inventory,
                                    const std::vector<std::size_t>& hosts) {
    std::vector<std::string> names;
    for (auto i : hosts) names.push_back(inventory.hosts[i].name);
    return names;
}

}  // namespace

PromoteDecision wait_for_evidence(const Inventory& inventory, const PromoteOptions& options,
                                  std::vector<HostLink>& links,
                                  std::vector<HandoverHostState>& states, PromoteDecision decision,
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
                if (k < count) states[i] = gather_handover_state(*links[i].executor(), host);
            } else if (!states[i].answered) {
                (k < count ? ssh[i] : postgres[i]) =
                    run_reach_probe(k < count ? options.reach : options.postgres_reach, host);
            }
        });
        for (std::size_t i = 0; i < count; ++i) {
            if (port_answers(ssh[i])) {
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
