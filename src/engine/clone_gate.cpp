#include "pgrepl/engine/clone_gate.hpp"

#include <algorithm>

#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/settings.hpp"

namespace pgrepl {

CloneGate::CloneGate(std::map<std::string, int> limits) : limits_(std::move(limits)) {}

CloneGate::Pass::Pass(Pass&& other) noexcept
    : gate_(other.gate_), upstream_(std::move(other.upstream_)) {
    other.gate_ = nullptr;
}

CloneGate::Pass::~Pass() {
    if (gate_ != nullptr) gate_->leave(upstream_);
}

CloneGate::Pass CloneGate::enter(const std::string& upstream,
                                 const std::function<void(int limit)>& on_wait) {
    std::unique_lock lock(mutex_);
    auto limit = limits_.find(upstream);
    if (limit != limits_.end()) {
        if (inside_[upstream] >= limit->second && on_wait) on_wait(limit->second);
        freed_.wait(lock, [&] { return inside_[upstream] < limit->second; });
    }
    ++inside_[upstream];
    return Pass(this, upstream);
}

void CloneGate::leave(const std::string& upstream) {
    {
        std::lock_guard lock(mutex_);
        --inside_[upstream];
    }
    freed_.notify_all();
}

bool keeps_wal_for_clones(const Inventory& inventory, const Host& upstream) {
    if (inventory.replication.slots) return true;
    // What the settings step writes: pgrepl's default or the inventory's, by version.
    for (const ManagedSetting& setting : desired_settings(inventory, upstream)) {
        const bool segments = setting.name == "wal_keep_segments";
        if (setting.name != "wal_keep_size" && !segments) continue;
        const std::optional<std::uint64_t> bytes = parse_size_bytes(
            conf_unquote(setting.value), segments ? kWalSegmentBytes : 1024ull * 1024);
        return !bytes || *bytes >= kMinWalKeptForParallelClones;
    }
    return true;
}

int clone_limit(const Inventory& inventory, const Host& upstream) {
    if (inventory.replication.parallel_clones) return *inventory.replication.parallel_clones;
    if (!keeps_wal_for_clones(inventory, upstream)) return 1;
    // A value that is not a plain integer is refused by the server, not here: the default.
    const int fallback = inventory.default_max_wal_senders();
    const long long senders =
        integer_setting(upstream, "max_wal_senders", fallback).value_or(fallback);
    int standbys = 0;
    for (const auto& host : inventory.hosts) {
        if (host.role == Role::Replica && &inventory.upstream_of(host) == &upstream) ++standbys;
    }
    return static_cast<int>(std::max(1LL, senders - standbys));
}

}  // namespace pgrepl
