// The host lock of a run (docs/locking.md): HostLink::take_lock, lock_links, the holder line.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <numeric>
#include <set>
#include <tuple>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/util/clock.hpp"
#include "pgrepl/util/parallel.hpp"

namespace pgrepl {
namespace {

// How long a run that got the first host waits where another run of the same cluster, which
// refuses at the first host, still holds the lock.
constexpr std::chrono::seconds kLoserLetsGo{5};

std::string control_host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "(unknown host)";
    return name;
}

Error refusal(const Host& host, const std::string& holder, std::chrono::seconds wait) {
    const std::string who = holder.empty() ? "another pgrepl run (holder unknown)" : holder;
    if (wait.count() > 0) {
        return make_host_error(
            ErrorKind::Refused, host.name, "lock",
            fmt::format("still held after --wait-lock {} s by {}", wait.count(), who),
            "wait for that run to end or raise --wait-lock; a lock of a run that died is "
            "released when its SSH session ends");
    }
    return make_host_error(ErrorKind::Refused, host.name, "lock",
                           "another pgrepl run holds this host: " + who,
                           "wait for it to end, or run again with --wait-lock SECONDS to wait "
                           "for it; verify never takes the lock");
}

}  // namespace

void HostLink::take_lock(const LockRequest& request, std::chrono::seconds asked_wait) {
    if (executor_ == nullptr || mode_ == RunMode::Check || held_lock_) return;
    lock_error_.reset();
    auto outcome = executor_->hold_lock(request);
    if (!outcome) {
        lock_error_ = std::move(outcome).error();
    } else if (!outcome->held) {
        lock_error_ = refusal(host_, outcome->holder, asked_wait);
    } else {
        held_lock_ = std::move(outcome->held);
    }
}

void HostLink::take_lock(const LockRequest& request) {
    take_lock(request, request.wait);
}

void HostLink::release_lock() {
    held_lock_.reset();
}

std::string lock_holder(std::string_view command) {
    return fmt::format("pgrepl {}, pid {} on {}, since {}", command, getpid(), control_host_name(),
                       utc_now());
}

void lock_links(std::vector<HostLink>& links, const LockOptions& options) {
    if (options.command.empty()) return;
    const LockRequest request{lock_holder(options.command), options.wait};
    std::vector<std::size_t> order(links.size());
    std::iota(order.begin(), order.end(), 0);
    const auto key = [&](std::size_t i) {
        const Host& host = links[i].host();
        return std::tie(host.address, host.ssh.port, host.name);
    };
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    std::set<std::pair<std::string, int>> locked;  // one lock per address and port
    std::vector<std::size_t> to_lock;
    for (std::size_t i : order) {
        HostLink& link = links[i];
        if (!link.connected() || link.mode() == RunMode::Check) continue;
        if (!locked.emplace(link.host().address, link.host().ssh.port).second) continue;
        to_lock.push_back(i);
    }
    const auto take = [&](std::size_t i) {
        HostLink& link = links[i];
        link.take_lock(request);
        if (link.lock_error())
            spdlog::debug("{}: lock: {}", link.host().name, describe(*link.lock_error()));
        return !link.lock_error();
    };
    if (options.wait.count() > 0) {
        // Waiting runs lock one host after the other: none can hold a host another one waits
        // for while waiting for one that other run holds.
        for (std::size_t i : to_lock) {
            if (!take(i)) return;
        }
        return;
    }
    // Without waiting, every host is asked at once (one round trip, not two), and the first
    // host decides between runs of the same cluster: a run that did not get it refuses and lets
    // the others go at once; the run that got it asks again, waiting a moment for that run to
    // refuse, where it was refused.
    parallel_for(to_lock.size(), [&](std::size_t k) { take(to_lock[k]); });
    if (to_lock.empty()) return;
    if (links[to_lock.front()].lock_error()) {
        for (std::size_t i : to_lock) links[i].release_lock();
        return;
    }
    std::vector<std::size_t> again;
    for (std::size_t i : to_lock) {
        const auto& error = links[i].lock_error();
        if (error && error->kind == ErrorKind::Refused) again.push_back(i);
    }
    const LockRequest patient{request.holder, kLoserLetsGo};
    parallel_for(again.size(), [&](std::size_t k) {
        HostLink& link = links[again[k]];
        link.take_lock(patient, request.wait);
        if (link.lock_error())
            spdlog::debug("{}: lock: {}", link.host().name, describe(*link.lock_error()));
    });
}

std::optional<Error> lock_refusal(const std::vector<HostLink>& links) {
    for (const auto& link : links) {
        if (link.lock_error()) return link.lock_error();
    }
    return std::nullopt;
}

}  // namespace pgrepl
