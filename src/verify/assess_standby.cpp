// The checks of a host that should be a standby: its upstream, WAL receiver, the upstream's
// walsender and slot for it, replay, lag and the end-to-end probe.
#include <fmt/format.h>

#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/verify/hints.hpp"
#include "verify/assess_internal.hpp"

namespace pgrepl {
namespace verify_detail {
namespace {

/// The upstream's pg_stat_replication row for `name`: a streaming one first.
std::optional<ReplicationRow> sender_row(const HostState& upstream, const std::string& name) {
    std::optional<ReplicationRow> found;
    for (const auto& row : upstream.replication) {
        if (row.application_name != name) continue;
        if (!found || (row.state == "streaming" && found->state != "streaming")) found = row;
    }
    return found;
}

/// The upstream check; returns false when the upstream cannot serve (down, unknown...).
bool upstream_check(const AssessContext& context, std::size_t index, CheckList& checks) {
    const TopologyNode& node = context.topology.nodes[index];
    const Host& host = *context.states[index].host;
    if (!node.unknown_sender.empty()) {
        checks.fail(
            "upstream",
            fmt::format("streams from {}, which is not an inventory host", node.unknown_sender),
            fmt::format("fix primary_conninfo on {} (pgrepl setup rewrites it) or add "
                        "that host to the inventory",
                        host.name));
        return false;
    }
    if (!node.upstream) {
        checks.fail("upstream", "no upstream: there is no live primary",
                    "start the primary, or promote a replica: pgrepl promote HOST");
        return false;
    }
    const HostState& upstream = context.states[*node.upstream];
    const std::string& name = upstream.host->name;
    const bool live = node.upstream_source == UpstreamSource::Live;
    std::string problem;
    if (!upstream.reached()) {
        problem = "is unreachable";
    } else if (!upstream.running()) {
        problem = "is down (PostgreSQL is not running)";
    } else if (!upstream.accepting) {
        problem = "refuses connections";
    } else if (!context.topology.nodes[*node.upstream].member) {
        problem = "belongs to another cluster";
    }
    if (!problem.empty()) {
        checks.add(
            "upstream", CheckStatus::Failed,
            live ? fmt::format("no upstream: it streams from {}, which {}", name, problem)
                 : fmt::format("no upstream: {}, which it should stream from, {}", name, problem),
            fmt::format("bring {} back, or promote a replica: pgrepl promote HOST", name));
        return false;
    }
    checks.ok("upstream", fmt::format("{} {}", live ? "streams from" : "should stream from", name));
    return true;
}

}  // namespace

void assess_standby(const AssessContext& context, std::size_t index, HostReport& report,
                    CheckList& checks) {
    const HostState& state = context.states[index];
    const Host& host = *state.host;
    const TopologyNode& node = context.topology.nodes[index];
    const bool own_checks_blocked = checks.blocked();
    const bool upstream_ok = upstream_check(context, index, checks);
    const HostState* upstream = node.upstream ? &context.states[*node.upstream] : nullptr;
    if (upstream != nullptr) report.upstream = upstream->host->name;
    const bool upstream_answers = upstream != nullptr && upstream->accepting;

    // The WAL receiver, as the standby sees it.
    bool receiving = false;
    const std::string log_line = telling_log_line(state.log_tail);
    ReceiverHintContext hint_context;
    hint_context.standby = host.name;
    hint_context.standby_address = host.address;
    hint_context.log_file = cluster_paths(host).log_file;
    if (upstream != nullptr) {
        hint_context.upstream = upstream->host->name;
        hint_context.upstream_address = upstream->host->address;
        hint_context.upstream_port = upstream->host->postgres.port;
    }
    const std::string last_log = log_line.empty() ? "" : "; last log line: " + log_line;
    if (!state.receiver && state.fence_note) {
        // An old primary fenced by promote, started by hand: it runs in recovery with no
        // upstream (the fence's standby.signal); it is not a replica until it is re-cloned.
        checks.fail("wal_receiver",
                    fmt::format("wal receiver not running: this old primary was fenced by pgrepl "
                                "promote ({}) and was started by hand",
                                state.fence_note->empty() ? cluster_paths(host).fence_file
                                                          : *state.fence_note),
                    fmt::format("stop it; pgrepl setup --limit {}{} then rejoins it as a replica "
                                "(pg_rewind; --force re-clones it)",
                                upstream != nullptr ? upstream->host->name + "," : "", host.name));
    } else if (!state.receiver) {
        checks.fail("wal_receiver", "wal receiver not running" + last_log,
                    receiver_hint(log_line, hint_context));
    } else if (state.receiver->status != "streaming") {
        checks.fail(
            "wal_receiver",
            fmt::format("wal receiver is {}, not streaming{}", state.receiver->status, last_log),
            receiver_hint(log_line, hint_context));
    } else {
        receiving = !own_checks_blocked;
        checks.ok("wal_receiver", fmt::format("streaming from {}:{}{}", state.receiver->sender_host,
                                              state.receiver->sender_port.value_or(0),
                                              state.receiver->slot_name.empty()
                                                  ? ""
                                                  : " using slot " + state.receiver->slot_name));
    }
    const auto& process = state.processes.walreceiver;
    if (process) {
        checks.add("wal_receiver_process", state.receiver ? CheckStatus::Ok : CheckStatus::Failed,
                   fmt::format("walreceiver process pid {} ({})", process->pid, process->state));
    } else if (state.receiver) {
        checks.fail("wal_receiver_process",
                    "pg_stat_wal_receiver has a row but ps shows no walreceiver process");
    } else {
        checks.skip("wal_receiver_process", "no wal receiver");
    }

    // What the upstream says about this standby (judged even when the standby is down).
    if (!upstream_answers) {
        checks.skip("walsender", "the upstream does not answer");
        checks.skip("walsender_process", "the upstream does not answer");
    } else {
        report.sender = sender_row(*upstream, host.name);
        const std::string& up = upstream->host->name;
        if (!report.sender) {
            if (receiving) {
                checks.fail(
                    "walsender",
                    fmt::format("{} has no walsender for {} in pg_stat_replication", up, host.name),
                    fmt::format("check that primary_conninfo on {} has "
                                "application_name={} (pgrepl setup writes it)",
                                host.name, host.name));
            } else {
                checks.force("walsender", CheckStatus::Skipped,
                             fmt::format("{} has no walsender for {}: {} is not streaming", up,
                                         host.name, host.name));
            }
            checks.skip("walsender_process", "no walsender");
        } else {
            const auto& row = *report.sender;
            const std::string message = fmt::format("{} sends to {}: state {}, sync_state {}", up,
                                                    host.name, row.state, row.sync_state);
            if (row.state == "streaming") {
                checks.force("walsender", CheckStatus::Ok, message);
            } else {
                checks.force("walsender", CheckStatus::Failed, message,
                             "a replica in catchup or startup is not streaming yet: wait and run "
                             "pgrepl verify again");
            }
            bool seen = false;
            for (const auto& sender : upstream->processes.walsenders)
                seen = seen || sender.pid == row.pid;
            report.walsender_process = seen;
            if (seen) {
                checks.force("walsender_process", CheckStatus::Ok,
                             fmt::format("walsender process pid {} on {}", row.pid, up));
            } else {
                checks.force(
                    "walsender_process", CheckStatus::Failed,
                    fmt::format("ps on {} shows no walsender process pid {}", up, row.pid));
            }
        }
    }

    // The slot on the upstream.
    if (context.inventory.replication.slots) {
        const std::string slot_name = slot_name_for(host.name);
        if (!upstream_answers) {
            checks.skip("slot", "the upstream does not answer");
        } else {
            const std::string& up = upstream->host->name;
            SlotFigures figures;
            figures.name = slot_name;
            for (const auto& slot : upstream->slots) {
                if (slot.name != slot_name) continue;
                figures.exists = true;
                figures.active = slot.active;
                figures.restart_lsn = slot.restart_lsn;
                const auto restart = parse_lsn(slot.restart_lsn);
                const auto position = host_position(*upstream);
                if (restart && position >= *restart)
                    figures.retained_bytes = static_cast<std::int64_t>(position - *restart);
            }
            report.slot = figures;
            const std::string retains =
                figures.retained_bytes ? ", retains " + format_bytes(*figures.retained_bytes) : "";
            if (!figures.exists) {
                checks.force("slot", CheckStatus::Failed,
                             fmt::format("slot {} missing on {}", slot_name, up),
                             "run pgrepl setup: it creates the slot");
            } else if (!figures.active && receiving) {
                checks.force("slot", CheckStatus::Failed,
                             fmt::format("slot {} on {} is not active{}", slot_name, up, retains),
                             fmt::format("check primary_slot_name on {} (pgrepl setup writes it)",
                                         host.name));
            } else if (!figures.active) {
                checks.force("slot", CheckStatus::Skipped,
                             fmt::format("slot {} on {} is not active{} ({} is not streaming)",
                                         slot_name, up, retains, host.name));
            } else {
                checks.force("slot", CheckStatus::Ok,
                             fmt::format("slot {} active on {}{}", slot_name, up, retains));
            }
        }
    }

    // Replay, lag and the probe.
    if (state.server && state.server->replay_paused.value_or(false)) {
        checks.fail("replay", "WAL replay is paused",
                    fmt::format("resume it on {}: SELECT {}();", host.name,
                                host.postgres.version.number() >= 1000 ? "pg_wal_replay_resume"
                                                                       : "pg_xlog_replay_resume"));
    } else {
        checks.ok("replay", "replaying");
    }
    const HostState* primary =
        context.topology.primary ? &context.states[*context.topology.primary] : nullptr;
    report.lag = compute_lag(state, primary, report.sender, context.thresholds);
    if (!upstream_ok && !report.lag.bytes) {
        checks.skip("lag", "no upstream");
    } else {
        auto lag = lag_check(report.lag, context.thresholds);
        checks.add("lag", lag.status, lag.message, lag.hint);
    }
    const ProbeResult& probe = report.probe;
    const double timeout_s = static_cast<double>(context.thresholds.timeout.count()) / 1000.0;
    switch (probe.status) {
        case ProbeStatus::Replayed:
            checks.ok("probe",
                      fmt::format("replayed the probe record in {}{:.0f} ms",
                                  probe.upper_bound ? "at most " : "", probe.ms.value_or(0)));
            break;
        case ProbeStatus::Timeout:
            checks.fail("probe",
                        fmt::format("did not replay the probe record within {} s ({})", timeout_s,
                                    probe.detail),
                        "see the lag and wal_receiver checks and the server log");
            break;
        case ProbeStatus::Failed:
            checks.fail("probe", "the probe wait failed: " + probe.detail,
                        "run with -vv to see the remote commands");
            break;
        case ProbeStatus::Skipped:
            checks.skip("probe", "skipped: " + probe.detail);
            break;
        case ProbeStatus::NotRun:
            checks.skip("probe", context.probe.error.empty() ? "not run"
                                                             : "not run: " + context.probe.error);
            break;
    }
}

}  // namespace verify_detail

LagFigures compute_lag(const HostState& standby, const HostState* primary,
                       const std::optional<ReplicationRow>& sender,
                       const VerifyThresholds& thresholds) {
    LagFigures lag;
    if (!standby.server) return lag;
    lag.replay_age_seconds = standby.server->replay_age_seconds;
    if (primary != nullptr && primary->is_primary()) {
        if (auto diff =
                verify_detail::lsn_diff(primary->server->current_lsn, standby.server->replay_lsn)) {
            lag.bytes = std::max<std::int64_t>(0, *diff);
        }
    }
    if (sender && sender->replay_lag_seconds) {
        lag.seconds = *sender->replay_lag_seconds;
        lag.seconds_source = LagSource::Replication;
    } else if (lag.bytes && *lag.bytes == 0) {
        lag.seconds = 0.0;
        lag.seconds_source = LagSource::CaughtUp;
    } else if (lag.bytes) {
        lag.note = "lag in seconds unknown: the upstream reports no replay_lag";
        if (lag.replay_age_seconds) {
            lag.note += fmt::format(
                "; the last replayed commit is {} old (a bound only if the primary committed "
                "since)",
                format_seconds(*lag.replay_age_seconds));
        }
    }
    if (lag.bytes && *lag.bytes == 0 && lag.replay_age_seconds &&
        *lag.replay_age_seconds > thresholds.max_lag_seconds) {
        lag.note = fmt::format(
            "caught up; the primary has committed nothing for {}: that is idle time, not lag",
            format_seconds(*lag.replay_age_seconds));
    }
    return lag;
}

CheckResult lag_check(const LagFigures& lag, const VerifyThresholds& thresholds) {
    CheckResult check;
    check.name = "lag";
    if (!lag.bytes) {
        check.status = CheckStatus::Skipped;
        check.message = "lag unknown: no live primary or no replay position";
        return check;
    }
    const std::string seconds =
        lag.seconds ? format_seconds(*lag.seconds) : std::string("unknown seconds");
    check.message = fmt::format("{} behind the primary, {}{}", format_bytes(*lag.bytes), seconds,
                                lag.note.empty() ? "" : " (" + lag.note + ")");
    const bool bytes_over = static_cast<std::uint64_t>(*lag.bytes) > thresholds.max_lag_bytes;
    const bool seconds_over = lag.seconds && *lag.seconds > thresholds.max_lag_seconds;
    if (bytes_over || seconds_over) {
        check.status = CheckStatus::Failed;
        std::vector<std::string> over;
        if (bytes_over) over.push_back(fmt::format("--max-lag-bytes {}", thresholds.max_lag_bytes));
        if (seconds_over)
            over.push_back(fmt::format("--max-lag-seconds {}", thresholds.max_lag_seconds));
        check.message += fmt::format("; over {}", fmt::join(over, " and "));
        check.hint =
            "is replay paused, the standby overloaded or the network slow? compare "
            "pg_stat_replication on the upstream";
    }
    return check;
}

}  // namespace pgrepl
