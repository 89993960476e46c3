#include "pgrepl/engine/clone_gate.hpp"

#include <algorithm>
#include <charconv>

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

int clone_limit(const Inventory& inventory, const Host& upstream) {
    if (inventory.replication.parallel_clones) return *inventory.replication.parallel_clones;
    int senders = inventory.default_max_wal_senders();
    for (const auto& setting : desired_settings(inventory, upstream)) {
        if (setting.name != "max_wal_senders") continue;
        int value = 0;
        std::string_view text = setting.value;  // an inventory value may be quoted
        if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'')
            text = text.substr(1, text.size() - 2);
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc() && end == text.data() + text.size()) senders = value;
    }
    int standbys = 0;
    for (const auto& host : inventory.hosts) {
        if (host.role == Role::Replica && &inventory.upstream_of(host) == &upstream) ++standbys;
    }
    return std::max(1, senders - standbys);
}

}  // namespace pgrepl
