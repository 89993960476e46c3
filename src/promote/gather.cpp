#include "gather.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "pgrepl/exec/dry_run.hpp"
#include "pgrepl/util/parallel.hpp"

namespace pgrepl::promote_detail {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Probes a host (when a probe is set).
std::optional<ReachResult> probe(const Host& host, const ReachProbe& reach) {
    if (!reach) return std::nullopt;
    ReachResult result = reach(host);
    spdlog::debug("{}: reach {}: {} ({} ms)", host.name, result.endpoint, to_string(result.reach),
                  result.took.count());
    return result;
}

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
                                                 std::vector<Session>& sessions) {
    const auto count = inventory.hosts.size();
    sessions.resize(count);
    std::vector<PromoteHostState> states(count);
    std::vector<std::optional<ReachResult>> postgres(count);
    std::vector<bool> ssh_silent(count, false);
    // Tasks 0..count-1 reach, connect and gather; count..2*count-1 probe the PostgreSQL ports
    // at the same time (their answer counts only for a host whose SSH port is silent).
    parallel_for(2 * count, [&](std::size_t k) {
        const std::size_t i = k % count;
        const Host& host = inventory.hosts[i];
        if (k >= count) {
            postgres[i] = probe(host, options.postgres_reach);
            return;
        }
        sessions[i].host = &host;
        const auto reach = probe(host, options.reach);
        const bool port_answered = reach && reach->reach == Reach::Open;
        if (reach && (reach->reach == Reach::Silent || reach->reach == Reach::Refused)) {
            states[i] = unreachable_state(
                host, make_error(ErrorKind::Connect, fmt::format("{}: connect: {}: {}", host.name,
                                                                 reach->endpoint, reach->detail)));
            states[i].answered = reach->reach == Reach::Refused;
            ssh_silent[i] = reach->reach == Reach::Silent;
            return;
        }
        auto executor = factory(host);
        if (!executor) {
            states[i] = unreachable_state(host, executor.error());
            states[i].answered = states[i].answered || port_answered;
            return;
        }
        sessions[i].executor = std::move(executor).value();
        if (options.mode == RunMode::Check)
            sessions[i].guard = make_dry_run_guard(*sessions[i].executor);
        states[i] = gather_promote_state(*sessions[i].active(), host);
        if (!states[i].reachable) states[i].answered = states[i].answered || port_answered;
    });
    for (std::size_t i = 0; i < count; ++i) {
        if (ssh_silent[i]) note_postgres_reach(states[i], postgres[i]);
    }
    return states;
}

void regather(const Inventory& inventory, std::vector<Session>& sessions,
              std::vector<PromoteHostState>& states) {
    parallel_for(states.size(), [&](std::size_t i) {
        if (sessions[i].active() == nullptr) return;
        states[i] = gather_promote_state(*sessions[i].active(), inventory.hosts[i]);
    });
}

PromoteDecision wait_for_evidence(const Inventory& inventory, const PromoteOptions& options,
                                  std::vector<Session>& sessions,
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
            if (sessions[i].active() != nullptr) {
                if (k < count) states[i] = gather_promote_state(*sessions[i].active(), host);
            } else if (!states[i].answered) {
                (k < count ? ssh[i] : postgres[i]) =
                    probe(host, k < count ? options.reach : options.postgres_reach);
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
