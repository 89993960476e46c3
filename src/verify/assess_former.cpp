// The checks of a former primary: a host retired by a failover (see
// TopologyNode::former_primary). It does not make the cluster unhealthy: one warning says what
// it is and how to rejoin it, the facts are reported, and nothing else is judged.
#include <fmt/format.h>

#include "pgrepl/pg/paths.hpp"
#include "pgrepl/verify/hints.hpp"
#include "verify/assess_internal.hpp"

namespace pgrepl::verify_detail {

std::string former_primary_message(const AssessContext& context, std::size_t index) {
    const HostState& state = context.states[index];
    const Host& host = *state.host;
    const std::string& live = context.states[*context.topology.primary].host->name;
    const std::string inventory =
        host.role == Role::Primary ? " (the inventory still says primary)" : "";
    if (state.fence_note) {
        const std::string note = state.fence_note->empty()
                                     ? "marker " + cluster_paths(host).fence_file
                                     : *state.fence_note;
        const char* what = state.unreachable    ? "unreachable"
                           : state.gather_error ? "its state could not be gathered"
                                                : "PostgreSQL is not running";
        return fmt::format("former primary, fenced by pgrepl promote ({}); {}{}", note, what,
                           inventory);
    }
    const std::string what = state.unreachable    ? "unreachable since the failover to " + live
                             : state.gather_error ? "its state could not be gathered and " + live +
                                                        " is the live primary"
                                                  : "stopped since the failover to " + live;
    return fmt::format(
        "former primary: {}{}; keep it down: started by itself it would come back as a primary "
        "of the old timeline",
        what, inventory);
}

std::string former_primary_hint(const AssessContext& context, std::size_t index) {
    const std::string& name = context.states[index].host->name;
    const std::size_t primary = *context.topology.primary;
    const std::string& live = context.states[primary].host->name;
    // After pgrepl handoff patroni (the live primary's Patroni runs): Patroni rejoins it.
    const auto& leader = context.states[primary].patroni;
    if (leader && leader->configured && leader->status != 0) {
        return fmt::format(
            "Patroni rejoins it as a replica of {0} (pg_rewind) once its Patroni runs: pgrepl "
            "handoff patroni starts it",
            live);
    }
    if (context.topology.inventory_primary != primary) {
        return fmt::format(
            "rejoin it as a replica of {0}: pgrepl promote {0} --update-inventory (or edit its "
            "role:), then pgrepl setup --limit {0},{1} (pg_rewind)",
            live, name);
    }
    return fmt::format("rejoin it as a replica of {0}: pgrepl setup --limit {0},{1} (pg_rewind)",
                       live, name);
}

void former_primary_checks(const AssessContext& context, std::size_t index, CheckList& checks) {
    const HostState& state = context.states[index];
    const Host& host = *state.host;
    const std::string& live = context.states[*context.topology.primary].host->name;
    const std::string retired = "a former primary may stay down";
    if (state.unreachable) {
        checks.skip("ssh", fmt::format("unreachable: {} ({})",
                                       describe(*state.unreachable, host.name), retired));
        checks.skip("gather", "the host is unreachable");
    } else {
        checks.ok("ssh", fmt::format("reachable as {}@{}", host.ssh.user, host.address));
        if (state.gather_error) {
            checks.skip("gather",
                        fmt::format("{} ({})", describe(*state.gather_error, host.name), retired));
        } else {
            checks.ok("gather", "state gathered in one round trip");
        }
    }
    if (state.reached()) {
        const std::string log_line = last_log_line(state.log_tail);
        checks.ok("postgres", "not running, as a former primary should be" +
                                  (log_line.empty() ? "" : "; last log line: " + log_line));
    } else {
        checks.skip("postgres", "the state is unknown");
    }
    checks.warn("former_primary", former_primary_message(context, index),
                former_primary_hint(context, index));
    checks.block(fmt::format("former primary, retired by the failover to {}", live));
    for (const char* name : {"connections", "queries", "system_identifier", "role"})
        checks.skip(name, "");
}

}  // namespace pgrepl::verify_detail
