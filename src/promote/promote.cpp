#include "pgrepl/promote/promote.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "pgrepl/engine/secret.hpp"
#include "pgrepl/handover/actions.hpp"
#include "pgrepl/handover/follow.hpp"
#include "pgrepl/handover/gather.hpp"
#include "pgrepl/handover/inventory_edit.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/promote/decide.hpp"
#include "pgrepl/util/clock.hpp"
#include "print.hpp"
#include "wait.hpp"

namespace pgrepl {
namespace {

using namespace promote_detail;

constexpr std::chrono::seconds kPromoteTimeout{60};
constexpr std::chrono::seconds kCatchUpTimeout{10};

ExitCode stop_on(EventSink& sink, const PromoteDecision& decision,
                 const std::string& changed = "nothing was changed") {
    switch (decision.verdict) {
        case PromoteVerdict::Usage:
            sink.emit(PromoteStopped{decision.verdict, decision.reason, decision.hint, changed});
            break;
        case PromoteVerdict::Fail:
            sink.emit(PromoteStopped{decision.verdict, decision.reason, decision.hint, changed});
            break;
        case PromoteVerdict::Refuse:
            sink.emit(PromoteStopped{decision.verdict, decision.reason, decision.hint, changed});
            break;
        case PromoteVerdict::Promote:
        case PromoteVerdict::Resume:
        case PromoteVerdict::Wait:  // handled by wait_for_evidence
            break;
    }
    const auto kind = stop_kind(decision.verdict);
    return kind ? exit_code_for(*kind) : ExitCode::Ok;
}

// Fences the old primaries. Returns the furthest last-checkpoint location of those stopped, or
// an exit code when a live one could not be stopped.
Result<std::optional<std::uint64_t>> fence_old_primaries(
    const Inventory& inventory, const PromoteDecision& decision,
    const std::vector<HandoverHostState>& states, std::vector<HostLink>& links, EventSink& sink) {
    std::optional<std::uint64_t> last;
    const std::string target = inventory.hosts[decision.target].name;
    const std::string when = utc_now();
    auto fence = [&](std::size_t i, bool live, bool must_stop) -> Status {
        const Host& host = inventory.hosts[i];
        const auto start = std::chrono::steady_clock::now();
        auto fenced = run_fence(*links[i].executor(), host,
                                FenceInput{states[i].data_directory, target, when});
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        PromoteFenced event{host.name, live, took, std::nullopt, must_stop};
        if (!fenced) {
            event.error = fenced.error();
            sink.emit(std::move(event));
            return fenced.error();
        }
        if (fenced->checkpoint && (!last || *fenced->checkpoint > *last)) last = fenced->checkpoint;
        sink.emit(std::move(event));
        return ok_status();
    };
    for (auto i : decision.stop_and_fence) {
        if (auto done = fence(i, true, true); !done) return done.error();
    }
    for (auto i : decision.fence_stopped) (void)fence(i, false, false);
    return last;
}

void plan(const Inventory& inventory, const PromoteDecision& decision, EventSink& sink) {
    using Action = PromotePlanned::Action;
    for (auto i : decision.stop_and_fence)
        sink.emit(PromotePlanned{Action::StopAndFence, inventory.hosts[i].name});
    for (auto i : decision.fence_stopped)
        sink.emit(PromotePlanned{Action::FenceStopped, inventory.hosts[i].name});
    if (decision.verdict == PromoteVerdict::Promote)
        sink.emit(PromotePlanned{Action::Promote, inventory.hosts[decision.target].name});
}

// Reports the stale lines and, when asked, rewrites them. False when the rewrite failed.
bool handle_inventory(const Inventory& inventory, const Inventory& promoted,
                      const PromoteOptions& options, EventSink& sink) {
    PromoteInventory event = update_stale_inventory(inventory, promoted, "promote", options.target,
                                                    options.update_inventory, options.mode);
    const bool ok = !event.error;
    sink.emit(std::move(event));
    return ok;
}

}  // namespace

namespace {

ExitCode promote(const Inventory& inventory, const PromoteOptions& options,
                 const ExecutorFactory& factory, EventSink& sink) {
    const bool check = options.mode == RunMode::Check;
    if (inventory.find_host(options.target) == nullptr) {
        return stop_on(sink, decide_promote(inventory, {}, options.target, options.force));
    }
    auto password = load_replication_password(inventory.replication);
    if (!password) spdlog::debug("promote: no replication password: {}", password.error().message);
    const std::string secret = password ? *password : std::string();

    sink.emit(PromoteStarted{options.target, options.mode, inventory.hosts.size()});
    std::vector<HostLink> links;
    auto states =
        connect_and_gather(inventory, factory,
                           GatherOptions{options.mode,
                                         options.reach,
                                         options.postgres_reach,
                                         {},
                                         LockOptions{check ? "" : "promote", options.wait_lock}},
                           links);
    if (auto refused = lock_refusal(links)) {
        sink.emit(PromoteStopped{PromoteVerdict::Refuse, describe(*refused), refused->hint,
                                 "nothing was changed"});
        return exit_code_for(refused->kind);
    }
    sink.emit(PromoteStates{states});
    auto decision = decide_promote(inventory, states, options.target, options.force,
                                   PromoteWait{FirstLook{}, options.wait});
    std::set<std::string> noted;  // each note once, also after the second decision
    auto print_notes = [&] {
        for (const auto& note : decision.notes) {
            if (noted.insert(note).second) sink.emit(PromoteNote{note});
        }
    };
    print_notes();
    if (decision.verdict == PromoteVerdict::Wait) {
        decision = wait_for_evidence(inventory, options, links, states, decision, sink);
        print_notes();
    }
    if (auto stop = stop_on(sink, decision); stop != ExitCode::Ok) return stop;
    sink.emit(PromoteDecided{decision.reason, sink.elapsed()});
    const std::size_t t = decision.target;
    const Host& target = inventory.hosts[t];
    int timeline = states[t].timeline().value_or(0);
    std::optional<std::chrono::milliseconds> writable_at;

    if (check) {
        plan(inventory, decision, sink);
    } else {
        auto fenced = fence_old_primaries(inventory, decision, states, links, sink);
        if (!fenced) {
            sink.emit(PromoteAborted{});
            return exit_code_for(fenced.error().kind);
        }
        if (!decision.stop_and_fence.empty()) {
            if (*fenced) {
                const auto start = std::chrono::steady_clock::now();
                auto caught = run_catch_up(*links[t].executor(), target, **fenced, kCatchUpTimeout);
                const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start);
                sink.emit(PromoteCaughtUp{target.name, **fenced, caught && *caught, took});
            }
            regather(inventory, links, states);
            decision = decide_promote(inventory, states, options.target, Force::Yes);
            print_notes();
            if (auto stop =
                    stop_on(sink, decision,
                            "nothing was promoted; the old primary stays stopped and fenced");
                stop != ExitCode::Ok) {
                return stop;
            }
        }
        if (decision.verdict == PromoteVerdict::Promote) {
            auto promoted = run_promote_script(*links[t].executor(), target, kPromoteTimeout);
            if (!promoted) {
                sink.emit(
                    PromotePromoted{.host = target.name,
                                    .error = promoted.error(),
                                    .log_tail = server_log_tail(*links[t].executor(), target, 8)});
                return ExitCode::Failed;
            }
            timeline = promoted->timeline;
            writable_at = sink.elapsed();
            PromotePromoted event;
            event.host = target.name;
            event.timeline = timeline;
            event.took = promoted->duration;
            event.at = *writable_at;
            sink.emit(std::move(event));
        }
    }

    const Inventory promoted = promoted_inventory(inventory, t, decision.old_primaries,
                                                  current_upstreams(inventory, states));
    FollowInput follow{promoted, t,      decision.followers, decision.ahead,
                       links,    secret, options.mode,       timeline};
    const auto stale = stale_inventory_lines(inventory, promoted);
    const bool roles_stale = std::any_of(stale.begin(), stale.end(), [](const StaleLine& line) {
        return line.kind == StaleKind::Role;
    });
    if (!roles_stale || options.update_inventory == UpdateInventory::Yes)
        follow.roles_current = UpdateInventory::Yes;
    auto outcome = repoint_followers(follow, sink);
    for (auto i : decision.old_primaries) {
        if (!states[i].reachable && states[i].answered) {
            outcome.remarks[i] = "up but not inspected: NOT fenced; stop it";
        } else if (!states[i].reachable) {
            outcome.remarks[i] = "unreachable: assumed dead, NOT fenced; keep it down";
        } else if (check) {
            outcome.remarks[i] = "would be fenced";
        } else {
            // setup rewinds a fenced replica with pg_rewind (--force: re-clones it).
            const auto setup = fmt::format("pgrepl setup --limit {},{} (pg_rewind)", target.name,
                                           inventory.hosts[i].name);
            outcome.remarks[i] = follow.roles_current == UpdateInventory::Yes
                                     ? "fenced; rejoin: " + setup
                                     : "fenced; rejoin: make it a replica (--update-inventory or "
                                       "its role:), then " +
                                           setup;
        }
    }
    sink.emit(PromoteTopology{promoted, outcome.remarks, options.mode});
    const bool inventory_ok = handle_inventory(inventory, promoted, options, sink);
    PromoteDone done{target.name,       options.mode,          writable_at,
                     outcome.following, outcome.not_following, outcome.all_following_at};
    done.total = sink.elapsed();
    sink.emit(std::move(done));
    if (check) return ExitCode::Ok;
    return inventory_ok ? ExitCode::Ok : ExitCode::Failed;
}

}  // namespace

PromoteReport run_promote(const Inventory& file_inventory, const PromoteOptions& options,
                          const ExecutorFactory& factory, std::ostream& out) {
    Inventory inventory = file_inventory;
    if (options.connect_timeout) {
        for (auto& host : inventory.hosts) host.ssh.connect_timeout = *options.connect_timeout;
    }
    EventSink sink(inventory, PromoteTextOptions{options.mode, options.show_diffs}, out,
                   options.start);
    const ExitCode exit_code = promote(inventory, options, factory, sink);
    return sink.report(exit_code);
}

}  // namespace pgrepl
