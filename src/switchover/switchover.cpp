#include "pgrepl/switchover/switchover.hpp"

#include <fmt/format.h>

#include "pgrepl/handover/gather.hpp"
#include "pgrepl/handover/render.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/switchover/facts.hpp"
#include "sequence.hpp"

namespace pgrepl {
namespace {

std::string host_list(const Inventory& inventory, const std::vector<std::size_t>& hosts) {
    std::string out;
    for (auto i : hosts) out += (out.empty() ? "" : ", ") + inventory.hosts[i].name;
    return out;
}

void plan_lines(const Inventory& inventory, const SwitchoverDecision& d,
                const SwitchoverOptions& options, std::vector<std::string>& out) {
    const std::string& old = inventory.hosts[d.primary].name;
    const std::string& target = inventory.hosts[d.target].name;
    int n = 0;
    if (d.start == SwitchoverStart::Promoted) {
        out.push_back(fmt::format("  {}. {} runs as the primary already (promoted)", ++n, target));
    } else if (d.start == SwitchoverStart::Stopped) {
        out.push_back(
            fmt::format("  {}. {} is stopped already (standby.signal, marker)", ++n, old));
    } else {
        out.push_back(fmt::format("  {}. CHECKPOINT on {}, then a fast stop", ++n, old));
    }
    if (d.start != SwitchoverStart::Promoted) {
        out.push_back(fmt::format(
            "  {}. wait (at most {} s) until {} replayed {}'s shutdown checkpoint, else start {} "
            "again as the primary",
            ++n, options.timeout.count(), target, old, old));
        out.push_back(
            fmt::format("  {}. promote {} and wait until it accepts writes", ++n, target));
    }
    out.push_back(fmt::format("  {}. {} becomes a standby of {}", ++n, old, target));
    if (!d.siblings.empty())
        out.push_back(
            fmt::format("  {}. {} follow {}{}", ++n, host_list(inventory, d.siblings), target,
                        inventory.replication.slots ? " (slots created there first)" : ""));
    if (!d.keep_upstream.empty())
        out.push_back(
            fmt::format("     {} keep their upstream", host_list(inventory, d.keep_upstream)));
    out.push_back(fmt::format("  {}. verify, the new topology, the inventory's stale lines", ++n));
}

// A switchover with nothing left to do still owes the inventory its roles: the stale lines,
// and with --update-inventory their rewrite (a run killed before its step 6 left them).
void finish_inventory(const Inventory& inventory, const SwitchoverOptions& options,
                      SwitchoverReport& report, switchover_detail::Printer& printer) {
    const std::size_t t = report.decision.target;
    std::vector<std::size_t> old;
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        if (i != t && inventory.hosts[i].role == Role::Primary) old.push_back(i);
    }
    const Inventory switched =
        promoted_inventory(inventory, t, old, current_upstreams(inventory, report.states));
    const auto update = update_stale_inventory(inventory, switched, "switchover", options.target,
                                               options.update_inventory, options.mode);
    printer.lines(inventory_update_lines(update));
    if (update.error) report.exit_code = exit_code_for(update.error->kind);
}

}  // namespace

std::vector<std::string> render_switchover_text(const Inventory& inventory,
                                                const SwitchoverReport& report,
                                                const SwitchoverOptions& options) {
    const bool check = options.mode == RunMode::Check;
    const SwitchoverDecision& d = report.decision;
    std::vector<std::string> out;
    out.push_back(fmt::format("switchover {}{}: {} host(s) asked", options.target,
                              check ? " (check)" : "", inventory.hosts.size()));
    if (d.verdict == SwitchoverVerdict::Switch) {
        out.push_back((check ? "plan: " : "decided: ") + d.reason);
        plan_lines(inventory, d, options, out);
        if (check) out.push_back("check: nothing was changed");
        return out;
    }
    if (d.verdict == SwitchoverVerdict::Done) {
        out.push_back("done: " + d.reason);
        return out;
    }
    out.push_back(fmt::format("{}: {}",
                              d.verdict == SwitchoverVerdict::Refuse  ? "refused"
                              : d.verdict == SwitchoverVerdict::Usage ? "usage"
                                                                      : "error",
                              d.reason));
    if (!d.hint.empty()) out.push_back("hint: " + d.hint);
    out.push_back("nothing was changed");
    return out;
}

SwitchoverReport run_switchover(const Inventory& inventory, const SwitchoverOptions& options,
                                const ExecutorFactory& factory, std::ostream& out) {
    SwitchoverReport report;
    std::vector<HostLink> links;
    // Switchover's own queries ride in each host's one state round trip.
    GatherOptions gather{
        options.mode,
        options.reach,
        {},
        extend_with_switchover_queries,
        LockOptions{options.mode == RunMode::Check ? "" : "switchover", options.wait_lock}};
    report.states = connect_and_gather(inventory, factory, gather, links);
    if (auto refused = lock_refusal(links)) {
        report.decision.verdict = SwitchoverVerdict::Refuse;
        report.decision.reason = describe(*refused);
        report.decision.hint = refused->hint;
        report.exit_code = exit_code_for(refused->kind);
        switchover_detail::Printer printer(out, options.start);
        printer.lines(render_switchover_text(inventory, report, options));
        return report;
    }
    report.facts = switchover_facts_of(inventory, report.states);
    report.decision = decide_switchover(inventory, report.states, report.facts, options.target,
                                        options.thresholds);
    if (report.decision.verdict == SwitchoverVerdict::Refuse) {
        if (auto resumed = decide_resume(inventory, report.states, options.target))
            report.decision = std::move(*resumed);
        else if (auto finished = decide_finish(inventory, report.states, options.target))
            report.decision = std::move(*finished);
        else if (auto done = decide_done(inventory, report.states, options.target))
            report.decision = std::move(*done);
    }
    const auto kind = stop_kind(report.decision.verdict);
    report.exit_code = kind ? exit_code_for(*kind) : ExitCode::Ok;
    switchover_detail::Printer printer(out, options.start);
    printer.lines(render_switchover_text(inventory, report, options));
    if (report.decision.verdict == SwitchoverVerdict::Done) {
        finish_inventory(inventory, options, report, printer);
        return report;
    }
    if (kind || options.mode == RunMode::Check) return report;
    report.exit_code = switchover_detail::run_sequence(inventory, options, links, report, printer);
    report.steps = printer.steps();
    return report;
}

}  // namespace pgrepl
