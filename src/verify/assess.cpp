// The assessment: common checks (reachability, server, role, slots, settings), the primary's
// checks, and the report's assembly. The standby checks are in assess_standby.cpp.
#include <fmt/format.h>

#include <set>

#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/settings.hpp"
#include "pgrepl/verify/archive.hpp"
#include "pgrepl/verify/hints.hpp"
#include "verify/assess_internal.hpp"

namespace pgrepl {
namespace verify_detail {
namespace {

std::string host_word(const AssessContext& context, std::size_t index) {
    return context.states[index].host->name;
}

/// The one word of the table's STATE column.
std::string state_word(const AssessContext& context, std::size_t index, const HostReport& report) {
    const HostState& state = context.states[index];
    const TopologyNode& node = context.topology.nodes[index];
    if (node.former_primary) return "former-primary";
    if (state.unreachable) return "unreachable";
    if (state.gather_error) return "error";
    if (!state.running()) return "down";
    if (!state.accepting) {
        const auto& error = state.psql_error;
        const bool starting = error.find("starting up") != std::string::npos ||
                              error.find("not yet accepting") != std::string::npos ||
                              error.find("recovery mode") != std::string::npos;
        return starting ? "starting" : "refusing";
    }
    if (!state.server) return "error";
    if (!node.member) return "foreign";
    if (node.role == LiveRole::Primary)
        return context.topology.split_brain() ? "split-brain" : "primary";
    if (!state.receiver) return "no-receiver";
    if (state.receiver->status != "streaming") return state.receiver->status;
    if (state.server->replay_paused.value_or(false)) return "paused";
    if (const auto* lag = report.check("lag"); lag && lag->status == CheckStatus::Failed)
        return "lagging";
    if (const auto* probe = report.check("probe"); probe && probe->status == CheckStatus::Failed)
        return "stalled";
    return "streaming";
}

void common_checks(const AssessContext& context, std::size_t index, CheckList& checks) {
    const HostState& state = context.states[index];
    const Host& host = *state.host;
    const ClusterPaths paths = cluster_paths(host);
    const std::string cluster =
        host.postgres.version.to_string() + " " + host.postgres.cluster_name;
    if (state.unreachable) {
        checks.fail("ssh", "unreachable: " + describe(*state.unreachable, host.name),
                    state.unreachable->hint);
        checks.block("the host is unreachable");
    } else {
        checks.ok("ssh", fmt::format("reachable as {}@{}", host.ssh.user, host.address));
    }
    if (state.gather_error) {
        checks.fail("gather", describe(*state.gather_error, host.name), state.gather_error->hint);
        checks.block("the state could not be gathered");
    } else {
        checks.ok("gather", "state gathered in one round trip");
    }
    const std::string log_line = last_log_line(state.log_tail);
    const std::string last_log = log_line.empty() ? "" : "; last log line: " + log_line;
    if (!state.running()) {
        checks.fail(
            "postgres", "PostgreSQL is not running" + last_log,
            fmt::format("start it: pg_ctlcluster {} start (log: {})", cluster, paths.log_file));
        checks.block("PostgreSQL is not running");
    } else {
        checks.ok("postgres",
                  state.processes.postmaster_pid
                      ? fmt::format("running (postmaster pid {})", *state.processes.postmaster_pid)
                      : std::string("running"));
    }
    if (!state.accepting) {
        const bool starting = state.psql_error.find("starting up") != std::string::npos ||
                              state.psql_error.find("not yet accepting") != std::string::npos ||
                              state.psql_error.find("recovery mode") != std::string::npos;
        // psql ran as the SSH user itself (become never, not root): the server knows no such role.
        const bool as_login_user = host.ssh.user != "root" && host.ssh.become == Become::Never &&
                                   state.psql_error.find("role \"" + host.ssh.user +
                                                         "\" does not exist") != std::string::npos;
        checks.fail("connections", "PostgreSQL runs but refuses connections: " + state.psql_error,
                    as_login_user
                        ? fmt::format("verify ran psql as {} (not root, and ssh.become: never runs "
                                      "no sudo): log in as root, or set ssh.become: auto so that "
                                      "psql runs as postgres through sudo -n",
                                      host.ssh.user)
                    : starting ? "it is starting or recovering (after a crash?): wait, then run "
                                 "pgrepl verify again; log: " +
                                     paths.log_file
                               : "look at " + paths.log_file);
        checks.block("PostgreSQL refuses connections");
    } else {
        checks.ok("connections", "accepting connections");
    }
    if (!state.query_errors.empty()) {
        checks.fail("queries", fmt::format("{}", fmt::join(state.query_errors, "; ")),
                    "run with -vv to see the remote commands");
    } else {
        checks.ok("queries", "every query answered");
    }
    if (!state.server) checks.block("the server state is unknown");
    const TopologyNode& node = context.topology.nodes[index];
    if (!node.member) {
        checks.fail("system_identifier",
                    fmt::format("belongs to another cluster: system identifier {}, the cluster's "
                                "is {}",
                                state.server ? state.server->system_identifier : "?",
                                context.topology.system_identifier),
                    fmt::format("it was not cloned from the primary: re-clone it with pgrepl "
                                "setup --force --limit {}",
                                host.name));
        checks.block("the host belongs to another cluster");
    } else {
        checks.ok("system_identifier", state.server ? state.server->system_identifier : "?");
    }
    if (context.topology.split_brain() && node.role == LiveRole::Primary) {
        std::vector<std::string> names;
        for (std::size_t p : context.topology.primaries) names.push_back(host_word(context, p));
        const std::string who = names.size() == 2
                                    ? fmt::format("{} and {} both", names[0], names[1])
                                    : fmt::format("{} all", fmt::join(names, ", "));
        checks.fail("role", fmt::format("SPLIT BRAIN: {} run as primaries of this cluster", who),
                    "stop writes now: stop PostgreSQL on the primary that must not be one, then "
                    "re-clone it as a replica with pgrepl setup --force --limit HOST");
    } else if (node.role == LiveRole::Primary) {
        checks.ok("role", host.role == Role::Replica ? "primary (the inventory says replica)"
                                                     : std::string("primary"));
    } else {
        checks.ok("role", host.role == Role::Primary ? "standby (the inventory says primary)"
                                                     : std::string("standby"));
    }
}

void primary_checks(const AssessContext& context, std::size_t index, CheckList& checks) {
    const HostState& state = context.states[index];
    std::vector<std::string> streaming;
    std::set<std::string> expected;
    for (std::size_t d : context.topology.downstreams(index)) {
        expected.insert(host_word(context, d));
    }
    std::vector<std::string> unexpected;
    for (const auto& row : state.replication) {
        if (expected.count(row.application_name) != 0) {
            if (row.state == "streaming") streaming.push_back(row.application_name);
        } else {
            unexpected.push_back(
                fmt::format("{} from {} ({})",
                            row.application_name.empty() ? "(no name)" : row.application_name,
                            row.client_addr.empty() ? "local" : row.client_addr, row.state));
        }
    }
    const std::string summary =
        fmt::format("{} of {} replica(s) streaming{}{}", streaming.size(), expected.size(),
                    streaming.empty() ? "" : ": ", fmt::join(streaming, ", "));
    if (!unexpected.empty()) {
        checks.warn("replicas",
                    fmt::format("{}; walsender(s) not in the inventory: {}", summary,
                                fmt::join(unexpected, ", ")),
                    "a replica missing from the inventory, a base backup, or a client with "
                    "another application_name");
    } else {
        checks.ok("replicas", summary);
    }
    if (context.inventory.replication.archive.method != ArchiveMethod::None) {
        auto archive = archiver_check(context.inventory, state);
        checks.add(std::move(archive.name), archive.status, std::move(archive.message),
                   std::move(archive.hint));
    }
    if (context.probe.primary == index) {
        if (context.probe.emission) {
            checks.ok("probe", "emitted a WAL record at " + context.probe.emission->lsn);
        } else {
            checks.fail("probe", "could not emit the probe record: " + context.probe.error,
                        "run with -vv to see the remote commands");
        }
    } else {
        checks.skip("probe", "no probe emitted here");
    }
}

void slot_and_settings_checks(const AssessContext& context, std::size_t index, HostReport& report,
                              CheckList& checks) {
    const HostState& state = context.states[index];
    std::set<std::string> expected;
    for (std::size_t d : context.topology.downstreams(index)) {
        expected.insert(slot_name_for(host_word(context, d)));
    }
    std::vector<std::string> unused;
    const std::uint64_t position = host_position(state);
    for (const auto& slot : state.slots) {
        if (expected.count(slot.name) != 0 || slot.active) continue;
        const auto restart = parse_lsn(slot.restart_lsn);
        unused.push_back(
            restart && position >= *restart
                ? fmt::format("{} (retains {})", slot.name,
                              format_bytes(static_cast<std::int64_t>(position - *restart)))
                : slot.name);
    }
    if (!unused.empty()) {
        checks.warn(
            "slots",
            fmt::format("inactive slot(s) no inventory replica uses: {}", fmt::join(unused, ", ")),
            "an unused slot keeps WAL forever: drop it if nothing needs it, "
            "SELECT pg_drop_replication_slot('NAME');");
    } else {
        checks.ok("slots", fmt::format("{} slot(s), none unused", state.slots.size()));
    }
    report.settings_problems = settings_problems(context.inventory, state);
    if (!report.settings_problems.empty()) {
        checks.warn("settings",
                    fmt::format("managed settings not in effect: {}",
                                fmt::join(report.settings_problems, "; ")),
                    "remove the setting from that file (for postgresql.auto.conf: ALTER SYSTEM "
                    "RESET name) or restart as needed, then run pgrepl setup");
    } else {
        checks.ok("settings", "managed settings in effect");
    }
}

}  // namespace

std::uint64_t host_position(const HostState& state) {
    if (!state.server) return 0;
    std::uint64_t position = 0;
    for (const auto* lsn :
         {&state.server->current_lsn, &state.server->receive_lsn, &state.server->replay_lsn}) {
        if (*lsn) position = std::max(position, **lsn);
    }
    return position;
}

std::optional<std::int64_t> lsn_diff(const std::optional<std::uint64_t>& x,
                                     const std::optional<std::uint64_t>& y) {
    if (!x || !y) return std::nullopt;
    return static_cast<std::int64_t>(*x) - static_cast<std::int64_t>(*y);
}

}  // namespace verify_detail

std::vector<std::string> settings_problems(const Inventory& inventory, const HostState& state) {
    std::vector<std::string> problems;
    if (!state.accepting || !state.server) return problems;
    const Host& host = *state.host;
    const auto settings = desired_settings(inventory, host);
    const auto unknown = missing_settings(settings, state.settings);
    if (!unknown.empty()) {
        problems.push_back(fmt::format("unknown parameter(s): {}", fmt::join(unknown, ", ")));
    }
    const auto judgement =
        judge_settings(state.settings, state.file_settings, cluster_paths(host).managed_conf);
    for (const auto& name : judgement.pending_restart)
        problems.push_back(name + " changed: a restart is pending");
    // After `pgrepl handoff patroni`, Patroni's postgresql.conf sets the parameters it owns
    // (its command-line ones, listen_addresses, hot_standby...) after conf.d: not a problem but
    // the handoff's design; they change with patronictl edit-config (docs/patroni.md).
    const std::string patroni_conf = cluster_paths(host).conf_dir + "/postgresql.conf";
    for (const auto& conflict : judgement.conflicts) {
        if (inventory.patroni && conflict.kind == ConflictKind::OtherFile &&
            conflict.sourcefile == patroni_conf)
            continue;
        const SettingRow* row = nullptr;
        for (const auto& candidate : state.settings) {
            if (candidate.name == conflict.name) row = &candidate;
        }
        if (conflict.kind == ConflictKind::NotApplied && row != nullptr) {
            if (row->pending_restart) {
                problems.push_back(conflict.name + " changed: a restart is pending");
                continue;
            }
            // Like setup's settings step: a postmaster parameter of a standby is not judged.
            if (row->context == "postmaster" && state.is_standby()) continue;
        }
        problems.push_back(conflict.message);
    }
    return problems;
}

VerifyReport assess(const Inventory& inventory, std::vector<HostState> states,
                    const LiveTopology& topology, const ProbeOutcome& probe,
                    const VerifyThresholds& thresholds) {
    using namespace verify_detail;
    VerifyReport report;
    report.cluster = inventory.cluster;
    report.thresholds = thresholds;
    report.system_identifier = topology.system_identifier;
    if (topology.primary) report.primary = states[*topology.primary].host->name;
    for (std::size_t p : topology.primaries) report.primaries.push_back(states[p].host->name);
    report.notes = topology.differences;
    if (probe.primary) report.probe_primary = states[*probe.primary].host->name;
    report.probe_emission = probe.emission;
    report.probe_error = probe.error;
    const AssessContext context{inventory, states, topology, probe, thresholds};
    report.hosts.resize(states.size());
    for (std::size_t i = 0; i < states.size(); ++i) {
        HostReport& host = report.hosts[i];
        host.node = topology.nodes[i];
        if (i < probe.hosts.size()) host.probe = probe.hosts[i];
        CheckList checks(host.checks);
        if (topology.nodes[i].former_primary) {
            former_primary_checks(context, i, checks);
        } else {
            common_checks(context, i, checks);
            if (topology.expected_standby(i)) {
                assess_standby(context, i, host, checks);
            } else {
                primary_checks(context, i, checks);
            }
        }
        slot_and_settings_checks(context, i, host, checks);
        patroni_checks(context, i, checks);
        host.state = state_word(context, i, host);
    }
    for (std::size_t i = 0; i < states.size(); ++i) report.hosts[i].gathered = std::move(states[i]);
    return report;
}

}  // namespace pgrepl
