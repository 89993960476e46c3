#include "pgrepl/verify/verify.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "pgrepl/util/parallel.hpp"
#include "pgrepl/verify/assess.hpp"
#include "pgrepl/verify/gather.hpp"
#include "pgrepl/verify/probe.hpp"
#include "pgrepl/verify/topology.hpp"

namespace pgrepl {
namespace {

using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

/// Emits the probe on the planned primary and awaits it on the planned standbys, in parallel.
ProbeOutcome run_probe(const ProbePlan& plan, const LiveTopology& topology,
                       const std::vector<HostState>& states,
                       std::vector<std::unique_ptr<Executor>>& executors,
                       const VerifyThresholds& thresholds) {
    ProbeOutcome outcome;
    outcome.hosts.resize(states.size());
    for (const auto& [index, reason] : plan.skipped) {
        outcome.hosts[index].status = ProbeStatus::Skipped;
        outcome.hosts[index].detail = reason;
    }
    if (!plan.primary) {
        outcome.error = topology.primary ? "the primary does not accept connections"
                                         : "there is no live primary";
        return outcome;
    }
    const std::size_t primary = *plan.primary;
    outcome.primary = primary;
    auto emission = emit_probe(*executors[primary], *states[primary].host);
    if (!emission) {
        outcome.error = emission.error().message;
        return outcome;
    }
    outcome.emission = *emission;
    parallel_for(plan.standbys.size(), [&](std::size_t k) {
        const std::size_t index = plan.standbys[k];
        outcome.hosts[index] =
            await_probe(*executors[index], *states[index].host, *emission, thresholds.timeout);
    });
    return outcome;
}

}  // namespace

VerifyReport collect_verify_report(const Inventory& inventory, const ExecutorFactory& factory,
                                   const VerifyThresholds& thresholds) {
    const auto start = Clock::now();
    const std::vector<const Host*> hosts = all_hosts(inventory);
    std::vector<std::unique_ptr<Executor>> executors(hosts.size());
    std::vector<HostState> states(hosts.size());
    parallel_for(hosts.size(), [&](std::size_t i) {
        const Host& host = *hosts[i];
        auto executor = factory(host);
        if (!executor) {
            states[i].host = &host;
            states[i].unreachable = executor.error();
            return;
        }
        executors[i] = std::move(executor).value();
        states[i] = gather_host(*executors[i], inventory, host);
    });
    spdlog::debug("verify: gathered {} host(s) in {} ms", hosts.size(), ms_since(start));
    const LiveTopology topology = discover_topology(inventory, states);
    const ProbePlan plan = plan_probe(topology, states);
    const auto probe_start = Clock::now();
    ProbeOutcome probe = run_probe(plan, topology, states, executors, thresholds);
    spdlog::debug("verify: probe done in {} ms", ms_since(probe_start));
    auto report = assess(inventory, std::move(states), topology, probe, thresholds);
    // Close the connections in parallel (each disconnect is a small round trip).
    parallel_for(executors.size(), [&](std::size_t i) { executors[i].reset(); });
    spdlog::debug("verify: done in {} ms", ms_since(start));
    return report;
}

ExitCode run_verify(const Inventory& inventory, const VerifyOptions& options,
                    const ExecutorFactory& factory, std::ostream& out) {
    const VerifyReport report = collect_verify_report(inventory, factory, options.thresholds);
    if (options.format == VerifyFormat::Json) {
        out << verify_json(report).dump(JsonStyle::Pretty) << '\n';
    } else {
        out << render_verify_text(report, options.color);
    }
    out.flush();
    return report.healthy() ? ExitCode::Ok : ExitCode::Failed;
}

}  // namespace pgrepl
