// The hot-standby rule across hosts: a standby needs at least its upstream's value of the
// parameters that size shared memory for transactions and WAL senders.
#include <optional>
#include <string_view>

#include "inventory/sections.hpp"

namespace pgrepl::inventory_detail {
namespace {

struct Parameter {
    std::string_view name;   ///< the parameter
    long long fallback = 0;  ///< its value when no setting gives one
};

// PostgreSQL's defaults, pgrepl's for max_wal_senders (the same on every host; its fallback
// here is replaced by Inventory::default_max_wal_senders()).
constexpr Parameter kParameters[] = {{"max_connections", 100},
                                     {"max_prepared_transactions", 0},
                                     {"max_locks_per_transaction", 64},
                                     {"max_wal_senders", 10},
                                     {"max_worker_processes", 8}};

// The host's value of the parameter; std::nullopt when it is not a plain integer (the server
// refuses it, not this rule).
std::optional<long long> value_of(const Inventory& inventory, const Host& host,
                                  const Parameter& parameter) {
    const long long fallback = parameter.name == "max_wal_senders"
                                   ? inventory.default_max_wal_senders()
                                   : parameter.fallback;
    return integer_setting(host, parameter.name, fallback);
}

const Host* upstream_of(const Inventory& inventory, const Host& host, std::size_t& index) {
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        const Host& other = inventory.hosts[i];
        const bool match =
            host.upstream ? other.name == *host.upstream : other.role == Role::Primary;
        if (match && &other != &host) {
            index = i;
            return &other;
        }
    }
    return nullptr;
}

}  // namespace

void check_standby_settings(const Inventory& inventory,
                            const std::vector<const VersionSeen*>& hosts, Diagnostics& diags) {
    for (std::size_t i = 0; i < inventory.hosts.size() && i < hosts.size(); ++i) {
        const Host& standby = inventory.hosts[i];
        if (standby.role != Role::Replica) continue;
        std::size_t up = 0;
        const Host* upstream = upstream_of(inventory, standby, up);
        if (upstream == nullptr || up >= hosts.size()) continue;
        for (const Parameter& parameter : kParameters) {
            const auto mine = value_of(inventory, standby, parameter);
            const auto theirs = value_of(inventory, *upstream, parameter);
            if (!mine || !theirs || *mine >= *theirs) continue;
            const std::string name(parameter.name);
            SourceMark at = standby.mark;
            if (auto it = hosts[i]->setting_marks.find(name); it != hosts[i]->setting_marks.end())
                at = it->second;
            else if (auto their = hosts[up]->setting_marks.find(name);
                     their != hosts[up]->setting_marks.end())
                at = their->second;
            diags.add(at, "host " + quote_value(standby.name) + " would run with " + name + " = " +
                              std::to_string(*mine) + ", below the " + std::to_string(*theirs) +
                              " of its upstream " + quote_value(upstream->name) +
                              ": a hot standby needs at least its upstream's value (its recovery "
                              "pauses otherwise)");
        }
    }
}

}  // namespace pgrepl::inventory_detail
