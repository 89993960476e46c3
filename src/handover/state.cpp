#include "pgrepl/handover/state.hpp"

#include <fmt/format.h>

#include "pgrepl/pg/sql.hpp"

#include <algorithm>

#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

// primary_conninfo = '...' from a recovery.conf (before 12).
std::string recovery_conf_conninfo(std::string_view text) {
    std::string found;
    for (auto line : split_lines(text)) {
        auto start = line.find_first_not_of(" \t");
        if (start == std::string_view::npos) continue;
        line.remove_prefix(start);
        if (line.rfind("primary_conninfo", 0) != 0) continue;
        auto open = line.find('\'');
        if (open == std::string_view::npos) continue;
        std::string value;
        for (auto i = open + 1; i < line.size(); ++i) {
            if (line[i] == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
                value.push_back('\'');
                ++i;
            } else if (line[i] == '\\' && i + 1 < line.size()) {
                value.push_back(line[++i]);
            } else if (line[i] == '\'') {
                break;
            } else {
                value.push_back(line[i]);
            }
        }
        found = value;
    }
    return found;
}

}  // namespace

LiveRole HandoverHostState::role() const {
    return server ? server->role : LiveRole::Unknown;
}

const std::string& HandoverHostState::system_identifier() const {
    if (server && !server->system_identifier.empty()) return server->system_identifier;
    return control_system_identifier;
}

std::optional<int> HandoverHostState::timeline() const {
    return server ? server->timeline : std::nullopt;
}

std::optional<std::uint64_t> HandoverHostState::wal_position() const {
    return server ? server->wal_position() : std::nullopt;
}

const LiveReceiver* HandoverHostState::receiver() const {
    return server && server->receiver ? &*server->receiver : nullptr;
}

Endpoint HandoverHostState::upstream_endpoint() const {
    if (server && !server->configured_upstream.host.empty()) return server->configured_upstream;
    if (recovery_conf_upstream) return *recovery_conf_upstream;
    return server ? server->configured_upstream : Endpoint{};
}

SnapshotRequest handover_state_request(const Host& host) {
    const ClusterPaths paths = cluster_paths(host);
    SnapshotRequest request;
    request.files.push_back(paths.fence_file);
    request.files.push_back(paths.switchover_marker);
    if (host.postgres.version.number() < 1200)
        request.files.push_back(recovery_conf_path(paths.data_dir));
    return request;
}

HandoverHostState handover_state_from_snapshot(const Host& host, const HostSnapshot& snapshot) {
    const ClusterPaths paths = cluster_paths(host);
    const HostFacts& facts = snapshot.facts;
    HandoverHostState state;
    state.name = host.name;
    state.reachable = true;
    state.cluster_exists = facts.cluster_exists;
    state.running = facts.cluster_running;
    state.has_data = facts.data_dir_has_pg_version;
    state.standby_signal = facts.standby_signal;
    state.control_system_identifier = facts.system_identifier;
    state.data_directory = facts.data_directory.empty() ? paths.data_dir : facts.data_directory;
    if (auto fence = snapshot.file(paths.fence_file)) state.fence_note = first_line(*fence);
    if (auto marker = snapshot.file(paths.switchover_marker))
        state.switchover_note = first_line(*marker);
    if (state.running) {
        state.query_error = snapshot.server_error;
        state.server = snapshot.server;
        if (!state.server && state.query_error.empty())
            state.query_error = "the state query printed nothing";
    }
    if (host.postgres.version.number() < 1200) {
        if (auto recovery = snapshot.file(recovery_conf_path(paths.data_dir)))
            state.recovery_conf_upstream = conninfo_endpoint(recovery_conf_conninfo(*recovery));
    }
    return state;
}

HandoverHostState unreachable_state(const Host& host, const Error& error) {
    HandoverHostState state;
    state.name = host.name;
    state.reachable = false;
    state.answered = error.kind != ErrorKind::Connect && error.kind != ErrorKind::Timeout;
    // Every line that shows it already names the host: "db1: connect: " would repeat it.
    std::string reason = first_line(error.message);
    if (!error.host.empty()) {
        // The host and step are fields: say the step unless it is the connect itself.
        if (!error.step.empty() && error.step != "connect") reason = error.step + ": " + reason;
    } else {
        // An error that still carries them in its message: "db1: connect: timeout".
        for (const std::string& prefix : {host.name + ": ", std::string("connect: ")}) {
            if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
        }
    }
    state.unreachable_reason = std::move(reason);
    return state;
}

HandoverHostState gather_handover_state(Executor& executor, const Host& host,
                                        const RequestExtension& extend) {
    SnapshotRequest request = handover_state_request(host);
    if (extend) extend(host, request);
    auto snapshot = take_snapshot(executor, host, request);
    if (!snapshot) return unreachable_state(host, snapshot.error());
    HandoverHostState state = handover_state_from_snapshot(host, *snapshot);
    state.queries = snapshot->queries;
    return state;
}

}  // namespace pgrepl
