#include "pgrepl/handover/follow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "pgrepl/engine/runner.hpp"
#include "pgrepl/handover/actions.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/util/parallel.hpp"

namespace pgrepl {
namespace {

constexpr std::chrono::seconds kFollowTimeout{30};

// --limit names the new primary too: setup then creates the standby's slot there. A stopped
// diverged standby is rewound by a plain setup (docs/rejoin.md); --force re-clones it.
std::string reclone_hint(const FollowInput& input, const std::string& primary,
                         const std::string& host) {
    const std::string rejoin = fmt::format(
        "stop it, then pgrepl setup --limit {},{} rejoins it with pg_rewind (or says what "
        "pg_rewind lacks; --force re-clones it)",
        primary, host);
    if (input.roles_current == UpdateInventory::Yes)
        return "rejoin it to the new primary: " + rejoin;
    return fmt::format(
        "rejoin it to the new primary: update the inventory's roles (pgrepl {} "
        "--update-inventory), {}",
        input.command, rejoin);
}

}  // namespace

FollowOutcome repoint_followers(const FollowInput& input, RepointSink& sink) {
    const Inventory& promoted = input.promoted;
    const std::size_t target = input.target;
    const Host& primary = promoted.hosts[target];
    FollowOutcome outcome;
    outcome.remarks.resize(promoted.hosts.size());
    const ClusterView view;

    // 1. Slots on the new primary for the followers that stream from it directly.
    std::vector<std::string> direct;
    for (auto i : input.followers) {
        if (promoted.upstream_of(promoted.hosts[i]).name == primary.name)
            direct.push_back(promoted.hosts[i].name);
    }
    if (promoted.replication.slots && !direct.empty()) {
        std::vector<std::unique_ptr<Step>> steps;
        steps.push_back(make_slots_step(direct));
        ChainInput chain{
            promoted,  primary, *input.links[target].executor(), view, input.password, input.mode,
            Force::No, {}};
        run_chain(steps, chain, [&](const StepReport& report) {
            sink.emit(RepointStep{report, {}});
        });
    }

    // 2. Every follower at once: the replica step, then wait until it streams.
    std::mutex mutex;
    std::vector<std::chrono::milliseconds> done_at;
    parallel_for(input.followers.size(), [&](std::size_t k) {
        const std::size_t i = input.followers[k];
        const Host& host = promoted.hosts[i];
        Executor& executor = *input.links[i].executor();
        std::vector<std::unique_ptr<Step>> steps;
        steps.push_back(make_replica_step());
        ChainInput chain{promoted, host, executor, view, input.password, input.mode, Force::No, {}};
        auto result = run_chain(steps, chain, [&](const StepReport& report) {
            RepointStep event{report, {}};
            if (report.status == StepStatus::Failed) {
                event.report.hint = reclone_hint(input, primary.name, host.name);
                event.detail = report.hint.substr(0, report.hint.find('\n'));
            }
            sink.emit(std::move(event));
        });
        const std::string upstream = promoted.upstream_of(host).name;
        std::unique_lock<std::mutex> lock(mutex);
        if (input.mode == RunMode::Check) {
            outcome.remarks[i] = result.failed ? "would not follow" : "would follow " + upstream;
            return;
        }
        if (result.failed) {
            ++outcome.not_following;
            outcome.remarks[i] = "NOT following: re-clone it";
            return;
        }
        lock.unlock();
        auto follow = run_follow_check(executor, host, input.timeline, kFollowTimeout);
        const auto at = sink.elapsed();
        lock.lock();
        if (follow && follow->following) {
            ++outcome.following;
            done_at.push_back(at);
            outcome.remarks[i] = "streaming";
            RepointFollowed event;
            event.host = host.name;
            event.upstream = upstream;
            event.following = true;
            event.timeline = follow->timeline;
            event.at = at;
            sink.emit(std::move(event));
        } else {
            ++outcome.not_following;
            outcome.remarks[i] = "NOT following: re-clone it";
            const std::string status =
                follow ? (follow->status.empty() ? "no WAL receiver"
                                                 : fmt::format("WAL receiver {} on timeline {}",
                                                               follow->status, follow->timeline))
                       : describe(follow.error());
            RepointFollowed event;
            event.host = host.name;
            event.upstream = upstream;
            event.at = at;
            event.timeout_s = kFollowTimeout.count();
            event.status = status;
            event.hint = reclone_hint(input, primary.name, host.name);
            event.log_tail = server_log_tail(executor, host, 3);
            sink.emit(std::move(event));
        }
    });
    if (!done_at.empty() && outcome.not_following == 0)
        outcome.all_following_at = *std::max_element(done_at.begin(), done_at.end());

    // 3. Those that were never going to follow.
    for (const auto& ahead : input.ahead) {
        ++outcome.not_following;
        outcome.remarks[ahead.host] = fmt::format(
            "{}: {} byte(s) ahead, re-clone it",
            input.mode == RunMode::Check ? "would not follow" : "NOT following", ahead.bytes);
        sink.emit(RepointAhead{promoted.hosts[ahead.host].name, ahead.bytes, primary.name,
                               reclone_hint(input, primary.name, promoted.hosts[ahead.host].name)});
    }
    return outcome;
}

}  // namespace pgrepl
