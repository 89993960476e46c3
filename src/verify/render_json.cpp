// The JSON document of `pgrepl verify --json` (schema: docs/verify.md).
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/verify/archive.hpp"
#include "pgrepl/verify/render.hpp"

namespace pgrepl {
namespace {

/// A string, or null when empty.
JsonValue text_or_null(const std::string& text) {
    return text.empty() ? JsonValue() : JsonValue(text);
}

JsonValue replication_row_json(const ReplicationRow& row, std::optional<bool> process_present) {
    JsonValue json;
    json.set("pid", row.pid)
        .set("application_name", row.application_name)
        .set("client_addr", text_or_null(row.client_addr))
        .set("state", row.state)
        .set("sent_lsn", text_or_null(row.sent_lsn))
        .set("write_lsn", text_or_null(row.write_lsn))
        .set("flush_lsn", text_or_null(row.flush_lsn))
        .set("replay_lsn", text_or_null(row.replay_lsn))
        .set("sync_state", row.sync_state)
        .set("replay_lag_bytes", JsonValue::optional(row.replay_lag_bytes))
        .set("write_lag_seconds", JsonValue::optional(row.write_lag_seconds))
        .set("flush_lag_seconds", JsonValue::optional(row.flush_lag_seconds))
        .set("replay_lag_seconds", JsonValue::optional(row.replay_lag_seconds))
        .set("process_present", JsonValue::optional(process_present));
    return json;
}

JsonValue lsn_or_null(const std::optional<std::uint64_t>& lsn) {
    return lsn ? JsonValue(format_lsn(*lsn)) : JsonValue();
}

JsonValue server_json(const std::optional<LiveServer>& server) {
    if (!server) return {};
    JsonValue json;
    json.set("in_recovery", server->role == LiveRole::Standby)
        .set("system_identifier", server->system_identifier)
        .set("server_version_num", server->server_version_num)
        .set("current_lsn", lsn_or_null(server->current_lsn))
        .set("receive_lsn", lsn_or_null(server->receive_lsn))
        .set("replay_lsn", lsn_or_null(server->replay_lsn))
        .set("replay_paused", JsonValue::optional(server->replay_paused))
        .set("last_replay_age_seconds", JsonValue::optional(server->replay_age_seconds))
        .set("clock_epoch", server->clock_epoch);
    return json;
}

JsonValue receiver_json(const std::optional<WalReceiverInfo>& receiver) {
    if (!receiver) return {};
    JsonValue json;
    json.set("status", receiver->status)
        .set("sender_host", text_or_null(receiver->sender_host))
        .set("sender_port", JsonValue::optional(receiver->sender_port))
        .set("received_lsn", text_or_null(receiver->received_lsn))
        .set("slot_name", text_or_null(receiver->slot_name))
        .set("conninfo", receiver->conninfo);
    return json;
}

JsonValue processes_json(const PostgresProcesses& processes) {
    JsonValue senders = JsonValue::array();
    for (const auto& sender : processes.walsenders) {
        senders.push(JsonValue()
                         .set("pid", sender.pid)
                         .set("user", sender.user)
                         .set("client", sender.client)
                         .set("state", sender.state));
    }
    JsonValue receiver;
    if (processes.walreceiver) {
        receiver.set("pid", processes.walreceiver->pid).set("state", processes.walreceiver->state);
    }
    JsonValue json;
    json.set("postmaster_pid", JsonValue::optional(processes.postmaster_pid))
        .set("walsenders", std::move(senders))
        .set("walreceiver", std::move(receiver));
    return json;
}

JsonValue slots_json(const HostState& state) {
    std::uint64_t position = 0;
    if (state.server) {
        for (const auto* lsn :
             {&state.server->current_lsn, &state.server->receive_lsn, &state.server->replay_lsn}) {
            if (*lsn) position = std::max(position, **lsn);
        }
    }
    JsonValue slots = JsonValue::array();
    for (const auto& slot : state.slots) {
        const auto restart = parse_lsn(slot.restart_lsn);
        JsonValue retained;
        if (restart && position >= *restart)
            retained = JsonValue(static_cast<std::int64_t>(position - *restart));
        slots.push(JsonValue()
                       .set("name", slot.name)
                       .set("type", slot.type)
                       .set("active", slot.active)
                       .set("restart_lsn", text_or_null(slot.restart_lsn))
                       .set("retained_bytes", std::move(retained)));
    }
    return slots;
}

JsonValue host_json(const HostReport& host) {
    const HostState& state = host.gathered;
    JsonValue json;
    json.set("name", host.host().name)
        .set("address", host.host().address)
        .set("inventory_role", to_string(host.host().role))
        .set("live_role", to_string(host.node.role))
        .set("state", host.state)
        .set("healthy", host.healthy())
        .set("member", host.node.member)
        .set("former_primary", host.node.former_primary)
        .set("reachable", !state.unreachable.has_value())
        .set("postgres_running", state.reached() && state.running())
        .set("accepting_connections", state.accepting);
    std::string error;
    if (state.unreachable) error = state.unreachable->message;
    if (state.gather_error) error = state.gather_error->message;
    if (error.empty() && !state.psql_error.empty()) error = state.psql_error;
    json.set("error", text_or_null(error));
    json.set("server", server_json(state.server));
    json.set("upstream", JsonValue::optional(host.upstream))
        .set("upstream_source", to_string(host.node.upstream_source))
        .set("unknown_sender", text_or_null(host.node.unknown_sender));
    json.set("wal_receiver", receiver_json(state.receiver));
    json.set("archiver", archiver_json(state.archiver));
    json.set("sender", host.sender ? replication_row_json(*host.sender, host.walsender_process)
                                   : JsonValue());
    JsonValue slot;
    if (host.slot) {
        slot.set("name", host.slot->name)
            .set("exists", host.slot->exists)
            .set("active", host.slot->active)
            .set("restart_lsn", text_or_null(host.slot->restart_lsn))
            .set("retained_bytes", JsonValue::optional(host.slot->retained_bytes));
    }
    json.set("slot", std::move(slot));
    json.set("lag",
             JsonValue()
                 .set("bytes", JsonValue::optional(host.lag.bytes))
                 .set("seconds", JsonValue::optional(host.lag.seconds))
                 .set("seconds_source", to_string(host.lag.seconds_source))
                 .set("last_replay_age_seconds", JsonValue::optional(host.lag.replay_age_seconds))
                 .set("note", text_or_null(host.lag.note)));
    json.set("probe", JsonValue()
                          .set("status", to_string(host.probe.status))
                          .set("ms", JsonValue::optional(host.probe.ms))
                          .set("ms_is_upper_bound", host.probe.upper_bound)
                          .set("replay_lsn", text_or_null(host.probe.replay_lsn))
                          .set("detail", text_or_null(host.probe.detail)));
    JsonValue walsenders = JsonValue::array();
    for (const auto& row : state.replication) {
        bool seen = false;
        for (const auto& process : state.processes.walsenders)
            seen = seen || process.pid == row.pid;
        walsenders.push(replication_row_json(row, seen));
    }
    json.set("walsenders", std::move(walsenders));
    json.set("slots", slots_json(state));
    json.set("processes", processes_json(state.processes));
    json.set("settings_problems", JsonValue::strings(host.settings_problems));
    const auto& tail = state.log_tail;
    const std::size_t from = tail.size() > kJsonLogLines ? tail.size() - kJsonLogLines : 0;
    json.set("log_tail", JsonValue::strings(std::vector<std::string>(
                             tail.begin() + static_cast<std::ptrdiff_t>(from), tail.end())));
    JsonValue checks = JsonValue::array();
    for (const auto& check : host.checks) {
        checks.push(JsonValue()
                        .set("name", check.name)
                        .set("status", to_string(check.status))
                        .set("message", check.message)
                        .set("hint", text_or_null(check.hint)));
    }
    json.set("checks", std::move(checks));
    return json;
}

}  // namespace

JsonValue verify_json(const VerifyReport& report) {
    JsonValue json;
    json.set("format", kVerifyJsonFormat)
        .set("cluster", report.cluster)
        .set("healthy", report.healthy())
        .set("primary", JsonValue::optional(report.primary))
        .set("primaries", JsonValue::strings(report.primaries))
        .set("split_brain", report.split_brain())
        .set("inventory_differs", report.inventory_differs())
        .set("notes", JsonValue::strings(report.notes))
        .set("system_identifier", text_or_null(report.system_identifier));
    json.set("thresholds",
             JsonValue()
                 .set("max_lag_bytes", report.thresholds.max_lag_bytes)
                 .set("max_lag_seconds", report.thresholds.max_lag_seconds)
                 .set("timeout_seconds",
                      static_cast<double>(report.thresholds.timeout.count()) / 1000.0));
    JsonValue probe;
    probe.set("primary", JsonValue::optional(report.probe_primary))
        .set("lsn", report.probe_emission ? JsonValue(report.probe_emission->lsn) : JsonValue())
        .set("emitted_at",
             report.probe_emission ? JsonValue(report.probe_emission->clock_epoch) : JsonValue())
        .set("error", text_or_null(report.probe_error));
    json.set("probe", std::move(probe));
    json.set("archive_test", archive_test_json(report.archive_test));
    JsonValue hosts = JsonValue::array();
    for (const auto& host : report.hosts) hosts.push(host_json(host));
    json.set("hosts", std::move(hosts));
    JsonValue problems = JsonValue::array();
    for (const auto& problem : report.problems()) {
        problems.push(
            JsonValue()
                .set("host", problem.host)
                .set("check", problem.check)
                .set("severity", problem.status == CheckStatus::Failed ? "error" : "warning")
                .set("message", problem.message)
                .set("hint", text_or_null(problem.hint)));
    }
    json.set("problems", std::move(problems));
    return json;
}

}  // namespace pgrepl
