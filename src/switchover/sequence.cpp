#include "sequence.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/engine/secret.hpp"
#include "pgrepl/handover/actions.hpp"
#include "pgrepl/handover/demote.hpp"
#include "pgrepl/handover/inventory_edit.hpp"
#include "pgrepl/handover/render.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl::switchover_detail {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

constexpr std::chrono::seconds kStopTimeout{120};
constexpr std::chrono::seconds kPromoteTimeout{60};

Millis since(Clock::time_point start) {
    return std::chrono::duration_cast<Millis>(Clock::now() - start);
}

std::vector<std::string> error_lines(const Error& error, const std::string& changed) {
    std::vector<std::string> lines{"failed: " + describe(error)};
    if (!error.hint.empty()) lines.push_back("hint: " + error.hint);
    if (!changed.empty()) lines.push_back(changed);
    return lines;
}

// What the sequence works on.
struct Run {
    const Inventory& inventory;
    const SwitchoverOptions& options;
    std::vector<HostLink>& links;
    SwitchoverReport& report;
    Printer& out;

    std::size_t p() const { return report.decision.primary; }
    std::size_t t() const { return report.decision.target; }
    const Host& old() const { return inventory.hosts[p()]; }
    const Host& target() const { return inventory.hosts[t()]; }
    Executor& old_exec() const { return *links[p()].executor(); }
    Executor& target_exec() const { return *links[t()].executor(); }
    const std::string& data_directory() const { return report.states[p()].data_directory; }

    // The abort: the old primary runs again as the primary; the target is still its standby.
    ExitCode abort(const std::string& reason, const std::string& hint) {
        report.outcome = SwitchoverOutcome::Aborted;
        out.line("abort: " + reason);
        const auto start = Clock::now();
        if (auto started = run_undemote(old_exec(), old(), data_directory()); !started) {
            out.lines(error_lines(started.error(),
                                  fmt::format("{} is STOPPED (standby.signal in its data "
                                              "directory); {} is still its standby",
                                              old().name, target().name)));
            return ExitCode::Failed;
        }
        out.line(fmt::format("  {}: started again as the primary (standby.signal removed) [{}]",
                             old().name, format_duration(since(start))));
        if (!hint.empty()) out.line("hint: " + hint);
        out.line(fmt::format("nothing was lost; {} is the primary, {} its standby", old().name,
                             target().name));
        return ExitCode::Failed;
    }

    // The stop failed: what runs now decides between "nothing changed" and the abort.
    ExitCode stop_failed(const Error& error) {
        out.lines(error_lines(error, {}));
        const HandoverHostState now = gather_handover_state(old_exec(), old());
        if (now.reachable && now.running && now.role() == LiveRole::Primary) {
            report.outcome = SwitchoverOutcome::Failed;
            out.line(fmt::format("{} still runs as the primary: nothing was changed", old().name));
            return ExitCode::Failed;
        }
        if (now.reachable && !now.running) {
            return abort(
                fmt::format("{} stopped, but its stop did not complete as expected", old().name),
                "look at its server log, then switch over again");
        }
        report.outcome = SwitchoverOutcome::Failed;
        out.line(fmt::format(
            "the state of {} is unknown ({}): nothing was promoted; look at it", old().name,
            now.reachable ? "its server does not answer" : now.unreachable_reason));
        return ExitCode::Failed;
    }

    // The promotion failed: start the old primary again only while the target still is its
    // standby (else there could be two primaries).
    ExitCode promote_failed(const Error& error) {
        out.lines(error_lines(error, {}));
        for (auto line : split_lines(server_log_tail(target_exec(), target(), 8))) {
            if (!line.empty()) out.line("      log: " + std::string(line));
        }
        const HandoverHostState now = gather_handover_state(target_exec(), target());
        if (now.reachable && now.running && now.role() == LiveRole::Standby) {
            return abort(
                fmt::format("{} was not promoted and is still a standby", target().name),
                fmt::format("look at {}'s server log, then switch over again", target().name));
        }
        report.outcome = SwitchoverOutcome::Failed;
        out.line(fmt::format(
            "{} STAYS STOPPED (standby.signal written): {} may have left recovery, so starting "
            "it as a primary could make two; look at {}, then run pgrepl promote {} or start {}",
            old().name, target().name, target().name, target().name, old().name));
        return ExitCode::Failed;
    }
};

// The old primary's slots for the hosts that now stream from the new primary: on a standby
// they would hold WAL forever (verify warns about them).
void drop_former_slots(Run& run, const Inventory& switched) {
    std::vector<std::string> names;
    for (const Host& host : switched.hosts) {
        if (host.name != run.old().name) names.push_back(slot_name_for(host.name));
    }
    auto dropped = run_drop_slots(run.old_exec(), run.old(), names);
    if (!dropped) {
        run.out.line("  warning: " + describe(dropped.error()));
        if (!dropped.error().hint.empty()) run.out.line("      hint: " + dropped.error().hint);
    } else if (!dropped->empty()) {
        std::string list;
        for (const auto& name : *dropped) list += (list.empty() ? "" : ", ") + name;
        run.out.line(fmt::format(
            "  {}: dropped the slot(s) it kept for its former standbys: {} (on a standby they "
            "would retain WAL forever)",
            run.old().name, list));
    }
}

}  // namespace

void Printer::lines(const std::vector<std::string>& lines) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& text : lines) out_ << text << '\n';
    out_.flush();
}

void Printer::emit(RepointEvent event) {
    if (const auto* step = std::get_if<RepointStep>(&event)) {
        std::lock_guard lock(mutex_);
        steps_.push_back(step->report);
    }
    lines(repoint_lines(event, RunMode::Apply, false));
}

std::vector<StepReport> Printer::steps() const {
    std::lock_guard lock(mutex_);
    return steps_;
}

std::chrono::milliseconds Printer::elapsed() const {
    return since(start_);
}

// Steps 1 to 3: the CHECKPOINT and the stop (a resumed run finds the server stopped), the wait
// until the target holds the shutdown checkpoint (else the old primary comes back), the
// promotion. nullopt when the target was promoted; else the run's exit code.
std::optional<ExitCode> stop_wait_promote(Run& run, CatchUpInput& input) {
    const SwitchoverDecision& d = run.report.decision;
    const SwitchoverOptions& options = run.options;
    SwitchoverReport& report = run.report;
    Printer& out = run.out;
    const Host& old = run.old();
    const Host& target = run.target();
    // 1. CHECKPOINT, then the fast stop: the write-unavailability window starts. A resumed
    // run finds the server stopped (the stop only reads its control file again).
    auto start = Clock::now();
    if (d.start == SwitchoverStart::Checkpoint) {
        if (auto done = run_checkpoint(run.old_exec(), old); !done) {
            report.outcome = SwitchoverOutcome::Failed;
            out.lines(error_lines(done.error(), "nothing was changed"));
            return exit_code_for(done.error().kind);
        }
        out.line(fmt::format("  {}: CHECKPOINT [{}]", old.name, format_duration(since(start))));
    }
    const Millis stop_at = out.elapsed();
    start = Clock::now();
    auto stopped = run_demote(run.old_exec(), old,
                              DemoteInput{run.data_directory(), target.name, kStopTimeout});
    if (!stopped) return run.stop_failed(stopped.error());
    report.shutdown_checkpoint = stopped->checkpoint;
    out.line(fmt::format(
        "  {}: {}cluster state: {}; shutdown checkpoint {}), standby.signal written [{}]", old.name,
        stopped->stopped ? "stopped (fast shutdown; " : "stopped already by the resumed run (",
        stopped->control_state.empty() ? "unknown" : stopped->control_state,
        stopped->checkpoint ? format_lsn(*stopped->checkpoint) : "unknown",
        format_duration(since(start))));

    // 2. The target must hold the shutdown checkpoint, else the old primary comes back.
    input.clean_shutdown = stopped->clean();
    input.checkpoint = stopped->checkpoint;
    start = Clock::now();
    if (input.clean_shutdown && input.checkpoint) {
        auto held = run_hold_wait(run.target_exec(), target, *input.checkpoint, options.timeout);
        if (held) {
            input.received = held->received;
            input.replayed = held->replayed;
        } else {
            out.line("  warning: " + describe(held.error()));
        }
    }
    const CatchUpDecision caught = decide_catch_up(input);
    if (caught.verdict == CatchUpVerdict::Abort) return run.abort(caught.reason, caught.hint);
    out.line(fmt::format("  {}: received and replayed {}'s shutdown checkpoint {} [{}]",
                         target.name, old.name, format_lsn(*input.checkpoint),
                         format_duration(since(start))));

    // 3. Promote the target: the window ends when it accepts writes.
    auto promoted = run_promote_script(run.target_exec(), target, kPromoteTimeout);
    if (!promoted) return run.promote_failed(promoted.error());
    report.timeline = promoted->timeline;
    report.unavailable = out.elapsed() - stop_at;
    out.line(fmt::format(
        "  {}: promoted: accepts writes on timeline {} (promotion {}); writes were unavailable "
        "for {}",
        target.name, promoted->timeline, format_duration(promoted->duration),
        format_duration(*report.unavailable)));

    return std::nullopt;
}

ExitCode run_sequence(const Inventory& inventory, const SwitchoverOptions& options,
                      std::vector<HostLink>& links, SwitchoverReport& report, Printer& out) {
    Run run{inventory, options, links, report, out};
    const SwitchoverDecision& d = report.decision;
    const Host& old = run.old();
    const Host& target = run.target();

    // 1-3, unless a run killed after the promotion left only the following to do.
    CatchUpInput input{old.name,
                       target.name,
                       false,
                       std::nullopt,
                       {},
                       {},
                       static_cast<int>(options.timeout.count())};
    if (d.start == SwitchoverStart::Promoted) {
        report.timeline = report.states[d.target].timeline().value_or(0);
    } else if (const auto stopped = stop_wait_promote(run, input); stopped) {
        return *stopped;
    }

    // 4 and 5. The old primary, the siblings and the standbys below follow the new topology.
    const Inventory switched = promoted_inventory(inventory, d.target, {d.primary},
                                                  current_upstreams(inventory, report.states));
    std::vector<std::size_t> followers{d.primary};
    followers.insert(followers.end(), d.siblings.begin(), d.siblings.end());
    followers.insert(followers.end(), d.keep_upstream.begin(), d.keep_upstream.end());
    auto password = load_replication_password(inventory.replication);
    if (!password)
        spdlog::debug("switchover: no replication password: {}", password.error().message);
    const std::string secret = password ? *password : std::string();
    const std::vector<AheadStandby> none;
    FollowInput follow{switched, d.target, followers,      none,
                       links,    secret,   RunMode::Apply, report.timeline};
    follow.command = "switchover";
    const auto stale = stale_inventory_lines(inventory, switched);
    const bool roles_stale = std::any_of(stale.begin(), stale.end(), [](const StaleLine& line) {
        return line.kind == StaleKind::Role;
    });
    if (!roles_stale || options.update_inventory == UpdateInventory::Yes)
        follow.roles_current = UpdateInventory::Yes;
    const FollowOutcome outcome = repoint_followers(follow, out);
    report.following = outcome.following;
    report.not_following = outcome.not_following;
    if (outcome.remarks[d.primary] == "streaming") drop_former_slots(run, switched);

    // 6. The new topology and the inventory.
    out.line("new topology:");
    out.lines(topology_lines(switched, outcome.remarks));
    const auto update = update_stale_inventory(inventory, switched, "switchover", target.name,
                                               options.update_inventory, RunMode::Apply);
    out.lines(inventory_update_lines(update));

    report.total = out.elapsed();
    report.outcome = outcome.not_following == 0 && !update.error ? SwitchoverOutcome::Switched
                                                                 : SwitchoverOutcome::Failed;
    const auto ms = [](const std::optional<Millis>& at) {
        return at ? std::to_string(at->count()) : std::string("-");
    };
    const std::string following =
        fmt::format("{} of {} standby(s) following{}", outcome.following, followers.size(),
                    outcome.not_following > 0 ? " (see the hints)" : "");
    if (d.start == SwitchoverStart::Promoted) {
        out.line(fmt::format(
            "done: {} is the primary (promoted by a run that did not end; this run finished the "
            "switchover); {}",
            target.name, following));
    } else {
        out.line(fmt::format(
            "done: {} is the primary; writes were unavailable for {}{}; lost: 0 ({} replayed past "
            "{}'s shutdown checkpoint {}, the end of its WAL); {}",
            target.name, format_duration(*report.unavailable),
            d.start == SwitchoverStart::Stopped
                ? " in this run (it resumed a run that had stopped the primary)"
                : "",
            target.name, old.name, format_lsn(*input.checkpoint), following));
    }
    out.line(fmt::format("timings: unavailable_ms={} following_ms={} total_ms={}",
                         ms(report.unavailable), ms(outcome.all_following_at),
                         report.total.count()));
    return report.outcome == SwitchoverOutcome::Switched ? ExitCode::Ok : ExitCode::Failed;
}

}  // namespace pgrepl::switchover_detail
