// The JSON document of `pgrepl verify --json` (schema: docs/verify.md).
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/util/json.hpp"
#include "pgrepl/verify/archive.hpp"
#include "pgrepl/verify/render.hpp"

namespace pgrepl {
namespace {

Json strings_json(const std::vector<std::string>& values) {
    Json array = Json::array();
    for (const auto& value : values) array.push_back(value);
    return array;
}

Json replication_row_json(const ReplicationRow& row, std::optional<bool> process_present) {
    return {{"pid", row.pid},
            {"application_name", row.application_name},
            {"client_addr", json_text_or_null(row.client_addr)},
            {"state", row.state},
            {"sent_lsn", json_text_or_null(row.sent_lsn)},
            {"write_lsn", json_text_or_null(row.write_lsn)},
            {"flush_lsn", json_text_or_null(row.flush_lsn)},
            {"replay_lsn", json_text_or_null(row.replay_lsn)},
            {"sync_state", row.sync_state},
            {"replay_lag_bytes", json_value(row.replay_lag_bytes)},
            {"write_lag_seconds", json_value(row.write_lag_seconds)},
            {"flush_lag_seconds", json_value(row.flush_lag_seconds)},
            {"replay_lag_seconds", json_value(row.replay_lag_seconds)},
            {"process_present", json_value(process_present)}};
}

Json lsn_or_null(const std::optional<std::uint64_t>& lsn) {
    return lsn ? Json(format_lsn(*lsn)) : Json(nullptr);
}

Json server_json(const std::optional<LiveServer>& server) {
    if (!server) return nullptr;
    return {{"in_recovery", server->role == LiveRole::Standby},
            {"system_identifier", server->system_identifier},
            {"server_version_num", server->server_version_num},
            {"current_lsn", lsn_or_null(server->current_lsn)},
            {"receive_lsn", lsn_or_null(server->receive_lsn)},
            {"replay_lsn", lsn_or_null(server->replay_lsn)},
            {"replay_paused", json_value(server->replay_paused)},
            {"last_replay_age_seconds", json_value(server->replay_age_seconds)},
            {"clock_epoch", json_number(server->clock_epoch)}};
}

Json receiver_json(const std::optional<WalReceiverInfo>& receiver) {
    if (!receiver) return nullptr;
    return {{"status", receiver->status},
            {"sender_host", json_text_or_null(receiver->sender_host)},
            {"sender_port", json_value(receiver->sender_port)},
            {"received_lsn", json_text_or_null(receiver->received_lsn)},
            {"slot_name", json_text_or_null(receiver->slot_name)},
            {"conninfo", receiver->conninfo}};
}

Json processes_json(const PostgresProcesses& processes) {
    Json senders = Json::array();
    for (const auto& sender : processes.walsenders) {
        senders.push_back({{"pid", sender.pid},
                           {"user", sender.user},
                           {"client", sender.client},
                           {"state", sender.state}});
    }
    Json receiver;
    if (processes.walreceiver) {
        receiver = {{"pid", processes.walreceiver->pid}, {"state", processes.walreceiver->state}};
    }
    return {{"postmaster_pid", json_value(processes.postmaster_pid)},
            {"walsenders", std::move(senders)},
            {"walreceiver", std::move(receiver)}};
}

Json slots_json(const HostState& state) {
    std::uint64_t position = 0;
    if (state.server) {
        for (const auto* lsn :
             {&state.server->current_lsn, &state.server->receive_lsn, &state.server->replay_lsn}) {
            if (*lsn) position = std::max(position, **lsn);
        }
    }
    Json slots = Json::array();
    for (const auto& slot : state.slots) {
        const auto restart = parse_lsn(slot.restart_lsn);
        Json retained;
        if (restart && position >= *restart)
            retained = static_cast<std::int64_t>(position - *restart);
        slots.push_back({{"name", slot.name},
                         {"type", slot.type},
                         {"active", slot.active},
                         {"restart_lsn", json_text_or_null(slot.restart_lsn)},
                         {"retained_bytes", std::move(retained)},
                         {"wal_status", json_text_or_null(slot.wal_status)},
                         {"safe_wal_size", json_text_or_null(slot.safe_wal_size)}});
    }
    return slots;
}

/// The "archiver" object of a host (null without stats).
Json archiver_json(const std::optional<ArchiverStats>& stats) {
    if (!stats) return nullptr;
    return {{"archived_count", stats->archived_count},
            {"last_archived_wal", json_text_or_null(stats->last_archived_wal)},
            {"last_archived_age_seconds", json_value(stats->last_archived_age)},
            {"failed_count", stats->failed_count},
            {"last_failed_wal", json_text_or_null(stats->last_failed_wal)},
            {"last_failed_age_seconds", json_value(stats->last_failed_age)},
            {"failing", stats->failing}};
}

/// The "archive_test" object (null when not run).
Json archive_test_json(const std::optional<ArchiveTestResult>& result) {
    if (!result) return nullptr;
    return {{"host", result->host},
            {"ok", result->ok},
            {"segment", json_text_or_null(result->segment)},
            {"seconds", json_value(result->seconds)},
            {"bytes", json_value(result->bytes)},
            {"segment_bytes", result->segment_bytes},
            {"where", result->where},
            {"error", json_text_or_null(result->error)}};
}

Json slot_json(const std::optional<SlotFigures>& slot) {
    if (!slot) return nullptr;
    return {{"name", slot->name},
            {"exists", slot->exists},
            {"active", slot->active},
            {"restart_lsn", json_text_or_null(slot->restart_lsn)},
            {"retained_bytes", json_value(slot->retained_bytes)},
            {"wal_status", json_text_or_null(slot->wal_status)}};
}

Json host_json(const HostReport& host) {
    const HostState& state = host.gathered;
    std::string error;
    if (state.unreachable) error = describe(*state.unreachable);
    if (state.gather_error) error = describe(*state.gather_error);
    if (error.empty() && !state.psql_error.empty()) error = state.psql_error;
    Json walsenders = Json::array();
    for (const auto& row : state.replication) {
        bool seen = false;
        for (const auto& process : state.processes.walsenders)
            seen = seen || process.pid == row.pid;
        walsenders.push_back(replication_row_json(row, seen));
    }
    const auto& tail = state.log_tail;
    const std::size_t from = tail.size() > kJsonLogLines ? tail.size() - kJsonLogLines : 0;
    Json checks = Json::array();
    for (const auto& check : host.checks) {
        checks.push_back({{"name", check.name},
                          {"status", to_string(check.status)},
                          {"message", check.message},
                          {"hint", json_text_or_null(check.hint)}});
    }
    return {{"name", host.host().name},
            {"address", host.host().address},
            {"inventory_role", to_string(host.host().role)},
            {"live_role", to_string(host.node.role)},
            {"state", host.state},
            {"healthy", host.healthy()},
            {"member", host.node.member},
            {"former_primary", host.node.former_primary},
            {"reachable", !state.unreachable.has_value()},
            {"postgres_running", state.reached() && state.running()},
            {"accepting_connections", state.accepting},
            {"error", json_text_or_null(error)},
            {"server", server_json(state.server)},
            {"upstream", json_value(host.upstream)},
            {"upstream_source", to_string(host.node.upstream_source)},
            {"unknown_sender", json_text_or_null(host.node.unknown_sender)},
            {"wal_receiver", receiver_json(state.receiver)},
            {"archiver", archiver_json(state.archiver)},
            {"sender",
             host.sender ? replication_row_json(*host.sender, host.walsender_process) : Json()},
            {"slot", slot_json(host.slot)},
            {"lag",
             {{"bytes", json_value(host.lag.bytes)},
              {"seconds", json_value(host.lag.seconds)},
              {"seconds_source", to_string(host.lag.seconds_source)},
              {"last_replay_age_seconds", json_value(host.lag.replay_age_seconds)},
              {"note", json_text_or_null(host.lag.note)}}},
            {"probe",
             {{"status", to_string(host.probe.status)},
              {"ms", json_value(host.probe.ms)},
              {"ms_is_upper_bound", host.probe.upper_bound},
              {"replay_lsn", json_text_or_null(host.probe.replay_lsn)},
              {"detail", json_text_or_null(host.probe.detail)}}},
            {"walsenders", std::move(walsenders)},
            {"slots", slots_json(state)},
            {"processes", processes_json(state.processes)},
            {"settings_problems", strings_json(host.settings_problems)},
            {"log_tail", strings_json(std::vector<std::string>(
                             tail.begin() + static_cast<std::ptrdiff_t>(from), tail.end()))},
            {"checks", std::move(checks)}};
}

}  // namespace

std::string verify_json(const VerifyReport& report) {
    Json hosts = Json::array();
    for (const auto& host : report.hosts) hosts.push_back(host_json(host));
    Json problems = Json::array();
    for (const auto& problem : report.problems()) {
        problems.push_back(
            {{"host", problem.host},
             {"check", problem.check},
             {"severity", problem.status == CheckStatus::Failed ? "error" : "warning"},
             {"message", problem.message},
             {"hint", json_text_or_null(problem.hint)}});
    }
    const auto& emission = report.probe_emission;
    const Json document = {
        {"format", kVerifyJsonFormat},
        {"cluster", report.cluster},
        {"healthy", report.healthy()},
        {"primary", json_value(report.primary)},
        {"primaries", strings_json(report.primaries)},
        {"split_brain", report.split_brain()},
        {"inventory_differs", report.inventory_differs()},
        {"notes", strings_json(report.notes)},
        {"system_identifier", json_text_or_null(report.system_identifier)},
        {"thresholds",
         {{"max_lag_bytes", report.thresholds.max_lag_bytes},
          {"max_lag_seconds", json_number(report.thresholds.max_lag_seconds)},
          {"timeout_seconds",
           json_number(static_cast<double>(report.thresholds.timeout.count()) / 1000.0)}}},
        {"probe",
         {{"primary", json_value(report.probe_primary)},
          {"lsn", emission ? Json(emission->lsn) : Json()},
          {"emitted_at", emission ? json_number(emission->clock_epoch) : Json()},
          {"error", json_text_or_null(report.probe_error)}}},
        {"archive_test", archive_test_json(report.archive_test)},
        {"hosts", std::move(hosts)},
        {"problems", std::move(problems)}};
    return json_dump(document);
}

}  // namespace pgrepl
