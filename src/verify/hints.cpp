#include "pgrepl/verify/hints.hpp"

#include <fmt/format.h>

namespace pgrepl {
namespace {

constexpr std::size_t kMaxLine = 300;

bool contains(std::string_view text, std::string_view needle) {
    return text.find(needle) != std::string_view::npos;
}

/// The quoted value after `key` in a libpq message: host "10.0.0.13" gives 10.0.0.13.
std::string quoted_after(std::string_view text, std::string_view key) {
    const auto at = text.find(key);
    if (at == std::string_view::npos) return {};
    const auto open = at + key.size();
    const auto close = text.find('"', open);
    if (close == std::string_view::npos) return {};
    return std::string(text.substr(open, close - open));
}

std::string cut(std::string line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.size() > kMaxLine) line = line.substr(0, kMaxLine) + "...";
    return line;
}

}  // namespace

std::string last_log_line(const std::vector<std::string>& tail) {
    for (auto it = tail.rbegin(); it != tail.rend(); ++it) {
        if (it->find_first_not_of(" \t\r") != std::string::npos) return cut(*it);
    }
    return {};
}

std::string telling_log_line(const std::vector<std::string>& tail) {
    // Lines that say what is wrong even at level LOG (a timeline fork is only a LOG line).
    static constexpr std::string_view kTelling[] = {"FATAL:",
                                                    "PANIC:",
                                                    "ERROR:",
                                                    "forked off",
                                                    "is not a child of",
                                                    "has already been removed",
                                                    "does not exist"};
    for (auto it = tail.rbegin(); it != tail.rend(); ++it) {
        for (std::string_view needle : kTelling) {
            if (contains(*it, needle)) return cut(*it);
        }
    }
    return last_log_line(tail);
}

std::string receiver_hint(std::string_view line, const ReceiverHintContext& context) {
    const std::string upstream = context.upstream.empty() ? "the upstream" : context.upstream;
    const std::string where = fmt::format("{}:{}", context.upstream_address, context.upstream_port);
    const std::string reclone = fmt::format("re-clone {} from {}: pgrepl setup --force --limit {}",
                                            context.standby, upstream, context.standby);
    if (contains(line, "no pg_hba.conf entry")) {
        auto address = quoted_after(line, "host \"");
        if (address.empty()) address = context.standby_address;
        return fmt::format(
            "check pg_hba on {} for {} (a `host replication` line for the replication user); "
            "pgrepl setup writes it",
            upstream, address);
    }
    if (contains(line, "password authentication failed") ||
        contains(line, "no password supplied") || contains(line, "authentication failed")) {
        return fmt::format(
            "the replication password of {} does not match the role on {}: run pgrepl setup "
            "(it rewrites the passfile and the role's password)",
            context.standby, upstream);
    }
    if (contains(line, "replication slot") && contains(line, "does not exist")) {
        return fmt::format("the slot is missing on {}: run pgrepl setup (it creates the slots)",
                           upstream);
    }
    if (contains(line, "has already been removed")) {
        return fmt::format("{} fell too far behind and {} recycled the WAL it needs; {}",
                           context.standby, upstream, reclone);
    }
    if (contains(line, "is not a child of this server's history") || contains(line, "forked off") ||
        contains(line, "timeline")) {
        return fmt::format(
            "{0} diverged from {1}'s timeline (after a failover?); stop {0}, then pgrepl setup "
            "--limit {0} rewinds it with pg_rewind (--force re-clones it)",
            context.standby, upstream);
    }
    if (contains(line, "system identifier differs") ||
        contains(line, "database system identifier")) {
        return fmt::format("{} was not cloned from {}; {}", context.standby, upstream, reclone);
    }
    if (contains(line, "max_wal_senders") || contains(line, "too many clients") ||
        contains(line, "remaining connection slots")) {
        return fmt::format(
            "{} has no free WAL sender or connection slot: raise max_wal_senders "
            "(inventory postgres.settings) and run pgrepl setup",
            upstream);
    }
    if (contains(line, "Connection refused") || contains(line, "could not connect") ||
        contains(line, "timeout expired") || contains(line, "No route to host") ||
        contains(line, "Network is unreachable") || contains(line, "could not translate host")) {
        return fmt::format(
            "{} does not accept connections on {}: is PostgreSQL running there, with "
            "listen_addresses covering that address, and no firewall in between?",
            upstream, where);
    }
    if (contains(line, "is not permitted to log in") || contains(line, "must have replication") ||
        contains(line, "superuser or replication role") ||
        contains(line, "permission denied to start WAL sender") ||
        (contains(line, "role \"") && contains(line, "does not exist"))) {
        return fmt::format(
            "the replication role on {} is missing or lacks LOGIN REPLICATION: "
            "run pgrepl setup",
            upstream);
    }
    return fmt::format("look at {} on {}", context.log_file, context.standby);
}

}  // namespace pgrepl
