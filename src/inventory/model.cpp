// The inventory model's helpers: names of enums, host look-ups, diagnostics formatting.
#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/inventory/load.hpp"

namespace pgrepl {

std::string PgVersion::to_string() const {
    if (major < 10) return std::to_string(major) + "." + std::to_string(minor);
    return std::to_string(major);
}

const Host* Inventory::find_host(const std::string& name) const {
    for (const Host& host : hosts) {
        if (host.name == name) return &host;
    }
    return nullptr;
}

std::optional<std::size_t> Inventory::index_of(const std::string& name) const {
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (hosts[i].name == name) return i;
    }
    return std::nullopt;
}

const Host& Inventory::primary() const {
    for (const Host& host : hosts) {
        if (host.role == Role::Primary) return host;
    }
    throw std::logic_error("inventory has no primary (it was not validated)");
}

const Host& Inventory::upstream_of(const Host& host) const {
    if (!host.upstream) return primary();
    const Host* upstream = find_host(*host.upstream);
    if (upstream == nullptr) {
        throw std::logic_error("host " + host.name + " has an unknown upstream " + *host.upstream);
    }
    return *upstream;
}

int Inventory::default_max_wal_senders() const {
    int replicas = 0;
    for (const Host& host : hosts) {
        if (host.role == Role::Replica) ++replicas;
    }
    constexpr int kFloor = 10;
    return std::max(kFloor, 2 * replicas + 2);
}

std::optional<long long> integer_setting(const Host& host, std::string_view name,
                                         long long fallback) {
    for (const auto& [setting, value] : host.postgres.settings) {
        if (setting != name) continue;
        long long number = 0;
        const auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), number);
        if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
        return number;
    }
    return fallback;
}

const char* to_string(Role role) {
    switch (role) {
        case Role::Primary:
            return "primary";
        case Role::Replica:
            return "replica";
    }
    return "unknown";
}

const char* to_string(HostKeyChecking checking) {
    switch (checking) {
        case HostKeyChecking::Strict:
            return "strict";
        case HostKeyChecking::AcceptNew:
            return "accept-new";
    }
    return "unknown";
}

const char* to_string(Become become) {
    switch (become) {
        case Become::Auto:
            return "auto";
        case Become::Never:
            return "never";
    }
    return "unknown";
}

const char* to_string(ArchiveMethod method) {
    switch (method) {
        case ArchiveMethod::None:
            return "none";
        case ArchiveMethod::Ssh:
            return "ssh";
        case ArchiveMethod::WalG:
            return "wal-g";
        case ArchiveMethod::PgBackRest:
            return "pgbackrest";
        case ArchiveMethod::Command:
            return "command";
    }
    return "unknown";
}

std::string InventoryDiagnostic::to_string() const {
    if (mark.line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": " +
           message;
}

}  // namespace pgrepl
