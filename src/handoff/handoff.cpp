#include "pgrepl/handoff/handoff.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "cluster.hpp"
#include "pgrepl/engine/secret.hpp"
#include "pgrepl/handoff/steps.hpp"
#include "pgrepl/pg/patroni.hpp"
#include "pgrepl/util/parallel.hpp"

namespace pgrepl {
namespace {

using Steps = std::vector<std::unique_ptr<Step>>;

// One host of the handoff: its link, its three phases of steps and its first snapshot.
struct HostRun {
    const Host* host = nullptr;
    HostLink* link = nullptr;
    Steps packages_and_etcd;  // phase 1, every host at once
    Steps configuration;      // phase 2, every host at once
    Steps takeover;           // phase 3, the primary first, then one standby at a time
    std::optional<HostSnapshot> snapshot;
    bool failed = false;
};

SnapshotRequest request_of(const HostRun& run, const Inventory& inventory) {
    SnapshotRequest request;
    const ClusterPaths paths = cluster_paths(*run.host);
    for (const Steps* phase : {&run.packages_and_etcd, &run.configuration, &run.takeover}) {
        for (const auto& step : *phase) step->request(inventory, *run.host, paths, request);
    }
    request.purpose = "gather state for handoff";
    return request;
}

bool is_running_primary(const HostRun& run) {
    return run.snapshot && run.snapshot->facts.cluster_running && run.snapshot->server &&
           run.snapshot->server->role == LiveRole::Primary;
}

// etcd's health, asked on the first host that is an etcd member (else on the first host: the
// members are all outside the inventory): every member answers, and (apply mode) a write
// through the v3 API reads back.
StepReport check_etcd(const Inventory& inventory, std::vector<HostRun>& runs, RunMode mode) {
    HostRun* on = &runs.front();
    for (auto& run : runs) {
        if (etcd_member_of(inventory, *run.host)) {
            on = &run;
            break;
        }
    }
    const auto started = std::chrono::steady_clock::now();
    auto finish = [&](StepReport report) {
        report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        return report;
    };
    const bool etcd_everywhere = std::all_of(runs.begin(), runs.end(), [&](const HostRun& run) {
        return !etcd_member_of(inventory, *run.host) || (run.snapshot && etcd_runs(*run.snapshot));
    });
    if (mode == RunMode::Check && !etcd_everywhere) {
        return finish(pseudo_report(on->host->name, "etcd-health", StepStatus::Changed,
                                    "would check every member's health once etcd runs"));
    }
    Command health;
    health.script = handoff::etcd_health_script(inventory);
    health.purpose = "etcd endpoint health";
    auto answer = on->link->executor()->run(health);
    if (!answer || !answer->success()) {
        const std::string why = !answer ? describe(answer.error()) : answer->err;
        return finish(pseudo_report(
            on->host->name, "etcd-health", StepStatus::Failed, "etcd is not healthy: " + why,
            "see etcd's output on each member (docs/patroni.md)", ErrorKind::Remote));
    }
    const int members = handoff::started_members(answer->out);
    const int expected = static_cast<int>(etcd_members(inventory).size());
    if (members != expected) {
        return finish(pseudo_report(
            on->host->name, "etcd-health", StepStatus::Failed,
            fmt::format("etcd lists {} started member(s), the inventory {}", members, expected),
            "compare etcdctl member list with patroni.dcs", ErrorKind::Remote));
    }
    if (mode == RunMode::Apply) {
        Command write;
        write.script = handoff::etcd_write_script(inventory);
        write.mutation = Mutation::Mutating;
        write.purpose = "etcd write and read";
        auto wrote = on->link->executor()->run(write);
        if (!wrote || !wrote->success()) {
            return finish(pseudo_report(
                on->host->name, "etcd-health", StepStatus::Failed,
                "etcd did not take a write: " + (!wrote ? describe(wrote.error()) : wrote->err),
                "see etcd's output on each member", ErrorKind::Remote));
        }
    }
    return finish(pseudo_report(
        on->host->name, "etcd-health", StepStatus::Ok,
        fmt::format("{} of {} members healthy{}", members, expected,
                    mode == RunMode::Apply ? ", a write read back through the v3 API" : "")));
}

}  // namespace

HandoffReport run_handoff(const Inventory& inventory, const HandoffOptions& options,
                          const ExecutorFactory& factory, std::ostream& out) {
    HandoffReport report;
    const auto fail_early = [&](const Error& error) {
        spdlog::error("handoff: {}", describe(error));
        if (!error.hint.empty()) spdlog::error("hint: {}", error.hint);
        report.exit_code = exit_code_for(error.kind);
        return report;
    };
    if (!inventory.patroni) {
        return fail_early(make_error(ErrorKind::Inventory,
                                     inventory.path + " has no patroni: section",
                                     "add one (docs/inventory.md#patroni), then run it again"));
    }
    auto password = load_replication_password(inventory.replication);
    if (!password) return fail_early(password.error());
    auto restapi_password = load_patroni_password(*inventory.patroni);
    if (!restapi_password) return fail_early(restapi_password.error());

    std::vector<HostRun> runs;
    std::vector<std::string> order;
    for (const Host& host : inventory.hosts) {
        HostRun run;
        run.host = &host;
        run.packages_and_etcd.push_back(make_ha_packages_step());
        run.packages_and_etcd.push_back(make_etcd_config_step());
        run.packages_and_etcd.push_back(make_etcd_step());
        run.configuration.push_back(make_patroni_config_step(*restapi_password));
        run.configuration.push_back(make_start_conf_step());
        run.takeover.push_back(make_patroni_step());
        order.push_back(host.name);
        runs.push_back(std::move(run));
    }
    StepPrinter printer(out, options.mode, options.show_diffs, order, 14);
    const auto finish = [&](ExitCode code) {
        report.steps = printer.reports();
        report.exit_code = code;
        return report;
    };

    // 1. Every host, connected and gathered at once: a handoff needs them all.
    std::vector<HostLink> links;
    links.reserve(runs.size());
    for (const auto& run : runs) links.emplace_back(*run.host, options.mode);
    ConnectOptions connect;
    connect.lock = LockOptions{"handoff", options.wait_lock};
    open_links(links, factory, connect, [&](std::size_t i, HostLink& link) {
        HostRun& run = runs[i];
        if (!link.connected()) {
            printer.print(failed_report(run.host->name, "connect", link.error()));
            run.failed = true;
            return;
        }
        run.link = &link;
        auto snapshot = take_snapshot(*link.executor(), *run.host, request_of(run, inventory));
        if (!snapshot) {
            printer.print(failed_report(run.host->name, "gather", snapshot.error()));
            run.failed = true;
            return;
        }
        run.snapshot = std::move(snapshot).value();
    });
    if (auto refused = lock_refusal(links)) {
        printer.print(failed_report(refused->host, "lock", *refused));
        printer.recap();
        return finish(exit_code_for(refused->kind));
    }
    if (std::any_of(runs.begin(), runs.end(), [](const HostRun& run) { return run.failed; })) {
        printer.recap();
        spdlog::error("handoff: every host must be reachable: nothing was changed");
        return finish(exit_code_for(ErrorKind::Connect));
    }

    // 2. Exactly one running primary: Patroni takes it over first.
    std::vector<HostRun*> takeover_order;
    for (auto& run : runs) {
        if (is_running_primary(run)) takeover_order.push_back(&run);
    }
    if (takeover_order.size() != 1) {
        printer.print(pseudo_report(
            runs.front().host->name, "primary", StepStatus::Failed,
            takeover_order.empty() ? "no host runs a primary"
                                   : fmt::format("{} hosts run a primary", takeover_order.size()),
            takeover_order.empty()
                ? "Patroni takes over the running primary first: start it (pgrepl setup)"
                : "pgrepl verify shows them; resolve it before a handoff",
            ErrorKind::Refused));
        printer.recap();
        return finish(exit_code_for(ErrorKind::Refused));
    }
    for (auto& run : runs) {
        if (&run != takeover_order.front()) takeover_order.push_back(&run);
    }

    const ClusterView view;
    const auto run_phase = [&](HostRun& run, Steps& steps, std::optional<HostSnapshot> initial) {
        ChainInput input{inventory,    *run.host, *run.link->executor(), view, *password,
                         options.mode, Force::No, std::move(initial)};
        auto result = run_chain(steps, input, [&](const StepReport& step) { printer.print(step); });
        run.failed = run.failed || result.failed;
        return !result.failed;
    };

    // 3. Packages and etcd on every host at once, then etcd's health.
    parallel_for(runs.size(), [&](std::size_t i) {
        run_phase(runs[i], runs[i].packages_and_etcd, runs[i].snapshot);
    });
    const bool etcd_ok =
        std::none_of(runs.begin(), runs.end(), [](const HostRun& run) { return run.failed; }) &&
        [&] {
            auto health = check_etcd(inventory, runs, options.mode);
            printer.print(health);
            return health.status != StepStatus::Failed;
        }();
    if (!etcd_ok) {
        printer.recap();
        return finish(exit_code_for(printer.failure().value_or(ErrorKind::Remote)));
    }

    // 4. Patroni's configuration and start.conf everywhere, then Patroni, the primary first
    // and each standby after it, one at a time.
    parallel_for(runs.size(),
                 [&](std::size_t i) { run_phase(runs[i], runs[i].configuration, std::nullopt); });
    bool blocked =
        std::any_of(runs.begin(), runs.end(), [](const HostRun& run) { return run.failed; });
    for (HostRun* run : takeover_order) {
        if (blocked) {
            printer.print(pseudo_report(run->host->name, "patroni", StepStatus::Skipped,
                                        "an earlier step or host failed"));
            continue;
        }
        blocked = !run_phase(*run, run->takeover, std::nullopt) && options.mode == RunMode::Apply;
    }

    // 5. Patroni's own view, asked on the primary's host.
    HostRun& primary = *takeover_order.front();
    if (options.mode == RunMode::Apply && !primary.failed) {
        Command list;
        list.script = handoff::patronictl_list_script(*primary.host);
        list.purpose = "patronictl list";
        if (auto listed = primary.link->executor()->run(list); listed && listed->success()) {
            if (auto members = parse_patronictl_list(listed->out)) report.members = *members;
        }
    }
    printer.recap();
    report.steps = printer.reports();
    if (!report.members.empty()) {
        out << "\nPATRONI (" << inventory.patroni->scope << ")\n";
        for (const PatroniMember& member : report.members) {
            out << fmt::format("{:<12} {:<8} {:<10} TL {:<3} {}\n", member.name, member.role,
                               member.state, member.timeline,
                               member.lag.empty() ? "" : "lag " + member.lag + " MB");
        }
    }
    // Hosts whose server ran without Patroni in the first snapshot and whose patroni step
    // then changed.
    const auto took_over =
        std::count_if(takeover_order.begin(), takeover_order.end(), [&](const HostRun* run) {
            const bool running_alone = run->snapshot && run->snapshot->facts.cluster_running &&
                                       !patroni_runs(*run->snapshot, *run->host);
            return running_alone &&
                   std::any_of(report.steps.begin(), report.steps.end(), [&](const StepReport& s) {
                       return s.host == run->host->name && s.step == "patroni" &&
                              s.status == StepStatus::Changed;
                   });
        });
    if (took_over > 0 && options.mode == RunMode::Apply) {
        out << fmt::format(
            "Patroni took over {} running server(s); PostgreSQL was not stopped on any of them.\n",
            took_over);
    }
    const auto failure = printer.failure();
    return finish(failure ? exit_code_for(*failure) : ExitCode::Ok);
}

}  // namespace pgrepl
