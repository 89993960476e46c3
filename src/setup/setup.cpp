#include "pgrepl/setup/setup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "pgrepl/engine/clone_gate.hpp"
#include "pgrepl/engine/runner.hpp"
#include "pgrepl/engine/secret.hpp"
#include "pgrepl/engine/topology.hpp"
#include "pgrepl/pg/archive.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/util/parallel.hpp"
#include "standby_order.hpp"

namespace pgrepl {
namespace {

// Everything setup tracks about one host.
struct HostRun {
    const Host* host = nullptr;
    RunMode mode = RunMode::Apply;  // Check for --check and for --limit dependencies
    HostLink* link = nullptr;       // its session (a dry-run guard in check mode)
    std::vector<std::unique_ptr<Step>> steps;
    // A replica host without a cluster: the steps before the replica step, which need nothing
    // from its upstream and run beside the primary's chain (empty: the whole chain waits).
    std::vector<std::unique_ptr<Step>> prep;
    std::optional<HostSnapshot> snapshot;  // first snapshot, taken before any change
    std::string blocked;                   // why its chain does not run (empty: it runs)
    bool done_ok = false;                  // its chain ran without failure
    bool changed = false;                  // its chain changed (or would change) something

    Executor& active() { return *link->executor(); }
};

int depth_of(const Inventory& inventory, const Host& host) {
    int depth = 0;
    for (const Host* at = &host; at->role == Role::Replica; at = &inventory.upstream_of(*at))
        ++depth;
    return depth;
}

}  // namespace

SetupReport run_setup(const Inventory& inventory, const SetupOptions& options,
                      const ExecutorFactory& factory, std::ostream& out) {
    // 1. Everything that can be wrong without a host: --limit names and the password.
    std::set<std::string> selected;
    for (const auto& name : options.limit) {
        if (inventory.find_host(name) == nullptr) {
            spdlog::error("setup: --limit: no host named '{}' in {}", name, inventory.path);
            return SetupReport{{}, exit_code_for(ErrorKind::Usage)};
        }
        selected.insert(name);
    }
    auto password = load_replication_password(inventory.replication);
    if (!password) {
        spdlog::error("setup: {}", describe(password.error()));
        if (!password.error().hint.empty()) spdlog::error("hint: {}", password.error().hint);
        return SetupReport{{}, exit_code_for(password.error().kind)};
    }

    // 2. The hosts of this run: the selected ones, and their upstreams (checked, not changed).
    std::vector<HostRun> runs;
    std::map<std::string, std::size_t> index;
    for (const auto& host : inventory.hosts) {
        const bool chosen = selected.empty() || selected.count(host.name) != 0;
        bool dependency = false;
        for (const auto& name : selected) {
            for (const Host* at = inventory.find_host(name); at->role == Role::Replica;) {
                at = &inventory.upstream_of(*at);
                dependency = dependency || at == &host;
            }
        }
        if (!chosen && !dependency) continue;
        HostRun run;
        run.host = &host;
        run.mode = chosen ? options.mode : RunMode::Check;
        run.steps = steps_for(inventory, host);
        index[host.name] = runs.size();
        runs.push_back(std::move(run));
    }
    std::vector<std::string> order;
    for (const auto& run : runs) order.push_back(run.host->name);
    StepPrinter printer(out, options.mode, options.show_diffs, order);

    // 3. Connect and take every host's first snapshot at once, before anything changes.
    std::vector<HostLink> links;
    links.reserve(runs.size() + 1);
    for (auto& run : runs) links.emplace_back(*run.host, run.mode);
    // WAL archiving over SSH: one more session, to the archive host, shared by every host's
    // archive step (it authorizes the host's key there).
    const bool archive_over_ssh = inventory.replication.archive.method == ArchiveMethod::Ssh;
    if (archive_over_ssh) links.emplace_back(archive_host(inventory), options.mode);
    ConnectOptions connect;
    connect.lock = LockOptions{"setup", options.wait_lock};
    open_links(links, factory, connect, [&](std::size_t i, HostLink& link) {
        if (i >= runs.size()) return;  // the archive host's link
        auto& run = runs[i];
        if (!link.connected()) {
            printer.print(failed_report(run.host->name, "connect", link.error()));
            run.blocked = "unreachable";
            return;
        }
        run.link = &link;
        auto snapshot =
            take_snapshot(run.active(), *run.host, chain_request(run.steps, inventory, *run.host));
        if (!snapshot) {
            printer.print(failed_report(run.host->name, "gather", snapshot.error()));
            run.blocked = "state unknown";
            return;
        }
        run.snapshot = std::move(snapshot).value();
    });

    // Another run holds a host: nothing is done.
    if (auto refused = lock_refusal(links)) {
        printer.print(failed_report(refused->host, "lock", *refused));
        printer.recap();
        return SetupReport{printer.reports(), exit_code_for(refused->kind)};
    }

    // 4. The live topology must agree with the inventory; mismatched hosts are not touched.
    ClusterView view;
    std::map<std::string, HostSnapshot> live;
    for (const auto& run : runs) {
        if (!run.snapshot) continue;
        view.facts[run.host->name] = run.snapshot->facts;
        live[run.host->name] = *run.snapshot;
    }
    if (archive_over_ssh) view.archive_host = &links.back();
    // Clones from one upstream at once: bounded by what its WAL senders leave (clone_limit).
    std::map<std::string, int> clone_limits;
    for (const auto& host : inventory.hosts) {
        if (host.role == Role::Replica) {
            const Host& upstream = inventory.upstream_of(host);
            clone_limits[upstream.name] = clone_limit(inventory, upstream);
        }
    }
    CloneGate clone_gate(std::move(clone_limits));
    view.clone_gate = &clone_gate;
    for (const auto& problem : find_drift(inventory, live)) {
        auto& run = runs[index[problem.host]];
        printer.print(pseudo_report(
            run.host->name, "topology", StepStatus::Failed, problem.message,
            "the live topology wins: fix the inventory's role/upstream keys (pgrepl promote "
            "--update-inventory does this after a failover), then run setup again",
            ErrorKind::Refused));
        run.blocked = "topology mismatch";
    }

    // 5. The hot-standby rule: when a parameter such as max_connections rises, the standbys
    // restart with it before their upstream (deepest first); when it falls, the upstream goes
    // first, as in the waves below.
    std::vector<OrderHost> order_hosts;
    for (const auto& run : runs) {
        if (!run.blocked.empty()) continue;
        order_hosts.push_back(
            {run.host, run.mode == RunMode::Apply, run.snapshot ? &*run.snapshot : nullptr});
    }
    const auto standby_order = plan_standby_order(inventory, order_hosts);
    for (const auto& block : standby_order.blocked) {
        auto& run = runs[index[block.host]];
        printer.print(
            pseudo_report(run.host->name, "order", StepStatus::Failed, block.reason, block.hint));
        run.blocked = block.reason;
    }
    if (!standby_order.standbys_first.empty()) {
        spdlog::info("{} rise(s): {} restart(s) with the new value{} before {} upstream",
                     fmt::join(standby_order.rising, ", "),
                     fmt::join(standby_order.standbys_first, ", "),
                     options.mode == RunMode::Check ? " (would)" : "",
                     standby_order.standbys_first.size() == 1 ? "its" : "their");
    }
    for (const auto& name : standby_order.standbys_first) {
        HostRun& run = runs[index[name]];
        if (!run.blocked.empty() || options.mode == RunMode::Check) continue;
        auto steps = restart_steps_for();
        ChainInput input{inventory, *run.host, run.active(),  view,
                         *password, run.mode,  options.force, std::move(run.snapshot)};
        auto result =
            run_chain(steps, input, [&](const StepReport& report) { printer.print(report); });
        run.snapshot.reset();
        if (!result.failed) continue;
        // Its upstreams must not raise the value above it.
        run.blocked = "its settings could not be applied first";
        for (const Host* at = run.host; at->role == Role::Replica;) {
            at = &inventory.upstream_of(*at);
            auto it = index.find(at->name);
            if (it == index.end() || !runs[it->second].blocked.empty()) continue;
            printer.print(pseudo_report(at->name, "order", StepStatus::Failed,
                                        fmt::format("standby {} could not restart with the new "
                                                    "settings first",
                                                    name),
                                        "fix that standby, then run pgrepl setup again"));
            runs[it->second].blocked = "a standby could not restart first";
        }
    }

    // 6. Waves: the primary (with every new replica's preparation), then the replicas of each
    // depth at once.
    int max_depth = 0;
    for (const auto& run : runs) max_depth = std::max(max_depth, depth_of(inventory, *run.host));
    // A new replica (no cluster yet) prepares in the first wave: cluster, archive key,
    // settings, pg_hba and password file, none of which needs its upstream. A replica with a
    // cluster waits whole: what its cluster step does may depend on the upstream's state.
    // Only where every upstream runs for real too: an upstream that --limit only checks, or
    // that cannot run, must stop the replica before anything changes on it.
    const auto upstreams_run = [&](const Host& host) {
        for (const Host* at = &host; at->role == Role::Replica;) {
            at = &inventory.upstream_of(*at);
            auto it = index.find(at->name);
            if (it == index.end() || runs[it->second].mode != RunMode::Apply ||
                !runs[it->second].blocked.empty())
                return false;
        }
        return true;
    };
    for (auto& run : runs) {
        if (run.host->role != Role::Replica || !run.blocked.empty() || !run.snapshot ||
            run.snapshot->facts.cluster_exists || !upstreams_run(*run.host))
            continue;
        auto join = std::find_if(run.steps.begin(), run.steps.end(),
                                 [](const auto& step) { return step->name() == "replica"; });
        std::move(run.steps.begin(), join, std::back_inserter(run.prep));
        run.steps.erase(run.steps.begin(), join);
    }
    const auto run_steps = [&](HostRun& run, const std::vector<std::unique_ptr<Step>>& steps) {
        ChainInput input{inventory, *run.host, run.active(),  view,
                         *password, run.mode,  options.force, std::move(run.snapshot)};
        auto result =
            run_chain(steps, input, [&](const StepReport& report) { printer.print(report); });
        run.snapshot.reset();
        run.changed = run.changed || std::any_of(result.reports.begin(), result.reports.end(),
                                                 [](const StepReport& r) {
                                                     return r.status == StepStatus::Changed;
                                                 });
        return !result.failed;
    };
    std::vector<HostRun*> first;
    for (auto& run : runs) {
        if (run.blocked.empty() && (depth_of(inventory, *run.host) == 0 || !run.prep.empty()))
            first.push_back(&run);
    }
    parallel_for(first.size(), [&](std::size_t i) {
        HostRun& run = *first[i];
        if (run.prep.empty()) {
            run.done_ok = run_steps(run, run.steps);
        } else if (!run_steps(run, run.prep)) {
            run.blocked = "its preparation failed";
        }
    });
    for (int depth = 1; depth <= max_depth; ++depth) {
        std::vector<HostRun*> wave;
        for (auto& run : runs) {
            if (depth_of(inventory, *run.host) != depth || !run.blocked.empty()) continue;
            if (run.host->role == Role::Replica) {
                const Host& upstream = inventory.upstream_of(*run.host);
                auto it = index.find(upstream.name);
                const HostRun* up = it == index.end() ? nullptr : &runs[it->second];
                std::string why;
                // The upstream's own failure is counted there: this host is just skipped. An
                // upstream that --limit kept from changing makes the asked-for host fail.
                StepStatus status = StepStatus::Skipped;
                std::string hint;
                if (up != nullptr && !up->done_ok) {
                    why = fmt::format("upstream {} did not complete", upstream.name);
                } else if (up != nullptr && up->mode == RunMode::Check && up->changed &&
                           run.mode == RunMode::Apply) {
                    why = fmt::format("upstream {} is not up to date", upstream.name);
                    status = StepStatus::Failed;
                    hint =
                        "run pgrepl setup without --limit first (the upstream is only checked "
                        "under --limit)";
                }
                if (!why.empty()) {
                    printer.print(pseudo_report(run.host->name, "upstream", status, why, hint));
                    run.blocked = why;
                    continue;
                }
                // The first snapshot is stale when the upstream changed in this run (logins,
                // identity).
                if (up != nullptr && up->changed) run.snapshot.reset();
            }
            wave.push_back(&run);
        }
        parallel_for(wave.size(), [&](std::size_t i) {
            HostRun& run = *wave[i];
            run.done_ok = run_steps(run, run.steps);
        });
    }

    printer.recap();
    for (const auto& run : runs) {
        if (run.link == nullptr) continue;
        const auto stats = run.link->executor()->stats();
        spdlog::debug("{}: {} SSH connection(s), {} remote round trip(s)", run.host->name,
                      stats.connections, stats.commands);
    }
    const auto failure = printer.failure();
    return SetupReport{printer.reports(), failure ? exit_code_for(*failure) : ExitCode::Ok};
}

}  // namespace pgrepl
