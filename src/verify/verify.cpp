#include "pgrepl/verify/verify.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "pgrepl/pg/archive.hpp"
#include "pgrepl/util/atomic_file.hpp"
#include "pgrepl/util/parallel.hpp"
#include "pgrepl/verify/archive.hpp"
#include "pgrepl/verify/assess.hpp"
#include "pgrepl/verify/gather.hpp"
#include "pgrepl/verify/probe.hpp"
#include "pgrepl/verify/render.hpp"
#include "pgrepl/verify/topology.hpp"

namespace pgrepl {
namespace {

using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

/// Emits the probe on the planned primary and awaits it on the planned standbys, in parallel.
ProbeOutcome run_probe(const ProbePlan& plan, const LiveTopology& topology,
                       const std::vector<HostState>& states, const std::vector<HostLink>& links,
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
    auto emission = emit_probe(*links[primary].executor(), *states[primary].host);
    if (!emission) {
        outcome.error = describe(emission.error());
        return outcome;
    }
    outcome.emission = *emission;
    parallel_for(plan.standbys.size(), [&](std::size_t k) {
        const std::size_t index = plan.standbys[k];
        outcome.hosts[index] = await_probe(*links[index].executor(), *states[index].host, *emission,
                                           thresholds.timeout);
    });
    return outcome;
}

/// `--archive` on the live primary; for method ssh the archive host is looked into through its
/// own session when it is an inventory host, else through a new one.
ArchiveTestResult archive_test_on(const Inventory& inventory, const ExecutorFactory& factory,
                                  const ConnectOptions& connect, const std::vector<HostLink>& links,
                                  std::size_t primary, const VerifyThresholds& thresholds) {
    Executor* archive_executor = nullptr;
    std::vector<HostLink> own;
    if (inventory.replication.archive.method == ArchiveMethod::Ssh) {
        for (const auto& link : links) {
            if (link.host().name == inventory.replication.archive.host)
                archive_executor = link.executor();
        }
        if (inventory.find_host(inventory.replication.archive.host) == nullptr) {
            own.emplace_back(archive_host(inventory));
            open_links(own, factory, connect);
            archive_executor = own.front().executor();
        }
    }
    const auto timeout = std::max(thresholds.timeout, std::chrono::milliseconds(30000));
    const auto start = Clock::now();
    auto result = run_archive_test(*links[primary].executor(), links[primary].host(), inventory,
                                   archive_executor, timeout);
    spdlog::debug("verify: archive test done in {} ms", ms_since(start));
    return result;
}

}  // namespace

VerifyReport collect_verify_report(const Inventory& inventory, const ExecutorFactory& factory,
                                   const VerifyThresholds& thresholds, ArchiveTest archive,
                                   const ConnectOptions& connect) {
    const auto start = Clock::now();
    const std::vector<const Host*> hosts = all_hosts(inventory);
    std::vector<HostState> states(hosts.size());
    auto links =
        connect_hosts(hosts, RunMode::Apply, factory, connect, [&](std::size_t i, HostLink& link) {
            const Host& host = *hosts[i];
            if (!link.connected()) {
                states[i].host = &host;
                states[i].unreachable = link.error();
                return;
            }
            states[i] = gather_host(*link.executor(), inventory, host);
        });
    spdlog::debug("verify: gathered {} host(s) in {} ms", hosts.size(), ms_since(start));
    const LiveTopology topology = live_topology(inventory, live_hosts(states));
    const ProbePlan plan = plan_probe(topology, states);
    const auto probe_start = Clock::now();
    ProbeOutcome probe = run_probe(plan, topology, states, links, thresholds);
    spdlog::debug("verify: probe done in {} ms", ms_since(probe_start));
    std::optional<ArchiveTestResult> archive_test;
    if (archive == ArchiveTest::SwitchAndWait && topology.primary &&
        links[*topology.primary].connected()) {
        archive_test =
            archive_test_on(inventory, factory, connect, links, *topology.primary, thresholds);
    }
    auto report = assess(inventory, std::move(states), topology, probe, thresholds);
    if (archive == ArchiveTest::SwitchAndWait) {
        if (!archive_test) {
            archive_test = ArchiveTestResult{};
            archive_test->error = "there is no reachable live primary";
        }
        if (topology.primary) {
            report.hosts[*topology.primary].checks.push_back(archive_test_check(*archive_test));
        }
        report.archive_test = std::move(archive_test);
    }
    // Close the connections in parallel (each disconnect is a small round trip).
    parallel_for(links.size(), [&](std::size_t i) { links[i].close(); });
    spdlog::debug("verify: done in {} ms", ms_since(start));
    return report;
}

int run_verify(const Inventory& inventory, const VerifyOptions& options,
               const ExecutorFactory& factory, std::ostream& out) {
    const VerifyReport report = collect_verify_report(inventory, factory, options.thresholds,
                                                      options.archive, {options.reach, {}, {}});
    std::string text;
    int code = to_int(verdict_exit_code(report));
    switch (options.format) {
        case VerifyFormat::Json:
            text = verify_json(report) + '\n';
            break;
        case VerifyFormat::Prometheus:
            text = render_prometheus(
                report,
                std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                    .count());
            break;
        case VerifyFormat::Nagios:
            text = render_nagios(report);
            code = nagios_exit_code(report);
            break;
        case VerifyFormat::Text:
            text = render_verify_text(report, options.color);
            break;
    }
    if (!options.output.empty()) {
        if (auto written = write_file_atomically(options.output, text, 0644); !written) {
            spdlog::error("{}", describe(written.error()));
            spdlog::error("hint: {}", written.error().hint);
            return options.format == VerifyFormat::Nagios ? 3 : to_int(ExitCode::Usage);
        }
        return code;
    }
    out << text;
    out.flush();
    return code;
}

}  // namespace pgrepl
