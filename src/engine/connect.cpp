#include "pgrepl/engine/connect.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pgrepl/exec/dry_run.hpp"
#include "pgrepl/util/parallel.hpp"

#include <utility>

namespace pgrepl {
namespace {

// A host whose SSH port is silent or refuses the connection: no SSH connection is tried.
Error unreachable(const Host& host, const ReachResult& reach) {
    return make_host_error(ErrorKind::Connect, host.name, "connect",
                           fmt::format("{}: {}", reach.endpoint, reach.detail),
                           reach.reach == Reach::Silent
                               ? "check that the host is up and its network plugged in; on a slow "
                                 "link raise --reach-timeout"
                               : "the host is up: start sshd there, or check ssh.port");
}

}  // namespace

HostLink::HostLink(Host host, RunMode mode)
    : host_(std::move(host)),
      mode_(mode),
      error_(make_error(ErrorKind::Internal, "not connected")),
      mutex_(std::make_unique<std::mutex>()) {}

HostLink::HostLink(Host host, Executor& executor, RunMode mode) : HostLink(std::move(host), mode) {
    if (mode_ == RunMode::Check) guard_ = make_dry_run_guard(executor);
    executor_ = guard_ ? guard_.get() : &executor;
}

HostLink::HostLink(HostLink&& other) noexcept = default;
HostLink& HostLink::operator=(HostLink&& other) noexcept {
    if (this == &other) return *this;
    held_lock_.reset();  // before the session it was taken through
    host_ = std::move(other.host_);
    mode_ = other.mode_;
    session_ = std::move(other.session_);
    guard_ = std::move(other.guard_);
    executor_ = std::exchange(other.executor_, nullptr);
    error_ = std::move(other.error_);
    reach_ = std::move(other.reach_);
    postgres_reach_ = std::move(other.postgres_reach_);
    mutex_ = std::move(other.mutex_);
    held_lock_ = std::move(other.held_lock_);
    lock_error_ = std::move(other.lock_error_);
    return *this;
}
HostLink::~HostLink() = default;

void HostLink::connect(const ExecutorFactory& factory, const ConnectOptions& options) {
    close();
    reach_ = run_reach_probe(options.reach, host_);
    if (reach_ && (reach_->reach == Reach::Silent || reach_->reach == Reach::Refused)) {
        error_ = unreachable(host_, *reach_);
        return;
    }
    auto connected = factory(host_);
    if (!connected) {
        error_ = std::move(connected).error();
        return;
    }
    session_ = std::move(connected).value();
    if (mode_ == RunMode::Check) guard_ = make_dry_run_guard(*session_);
    executor_ = guard_ ? guard_.get() : session_.get();
}

void HostLink::probe_postgres(const ReachProbe& probe) {
    postgres_reach_ = run_reach_probe(probe, host_);
}

void HostLink::close() {
    held_lock_.reset();
    lock_error_.reset();
    executor_ = nullptr;
    guard_.reset();
    session_.reset();
    error_ = make_error(ErrorKind::Internal, "not connected");
}

void open_links(std::vector<HostLink>& links, const ExecutorFactory& factory,
                const ConnectOptions& options, const OnLinkOpened& then) {
    if (!options.lock.command.empty()) {
        ConnectOptions first = options;
        first.lock = {};
        open_links(links, factory, first);
        lock_links(links, options.lock);
        if (then && !lock_refusal(links)) {
            parallel_for(links.size(), [&](std::size_t k) { then(k, links[k]); });
        }
        return;
    }
    const std::size_t count = links.size();
    // Tasks 0..count-1 probe, connect and call `then`; count..2*count-1 probe the PostgreSQL
    // ports at the same time.
    parallel_for(options.postgres_reach ? 2 * count : count, [&](std::size_t k) {
        HostLink& link = links[k % count];
        if (k >= count) {
            link.probe_postgres(options.postgres_reach);
            return;
        }
        link.connect(factory, options);
        if (then) then(k, link);
    });
}

std::vector<HostLink> connect_hosts(const std::vector<const Host*>& hosts, RunMode mode,
                                    const ExecutorFactory& factory, const ConnectOptions& options,
                                    const OnLinkOpened& then) {
    std::vector<HostLink> links;
    links.reserve(hosts.size());
    for (const Host* host : hosts) links.emplace_back(*host, mode);
    open_links(links, factory, options, then);
    return links;
}

std::optional<ReachResult> run_reach_probe(const ReachProbe& probe, const Host& host) {
    if (!probe) return std::nullopt;
    ReachResult result = probe(host);
    spdlog::debug("{}: reach {}: {} ({} ms)", host.name, result.endpoint, to_string(result.reach),
                  result.took.count());
    return result;
}

std::vector<const Host*> all_hosts(const Inventory& inventory) {
    std::vector<const Host*> hosts;
    for (const auto& host : inventory.hosts) hosts.push_back(&host);
    return hosts;
}

}  // namespace pgrepl
