#include "pgrepl/verify/gather.hpp"

#include <fmt/format.h>

#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/pg/archive.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/settings.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

constexpr const char* kApplicationName = "pgrepl-verify";

/// The first line psql printed when it could not connect, without the "psql: error: " noise.
std::string connect_error(std::string_view err) {
    for (auto line : split_lines(err)) {
        line = trim_line_end(line);
        if (line.empty()) continue;
        for (std::string_view noise : {"psql: error: ", "psql: "}) {
            if (line.substr(0, noise.size()) == noise) line.remove_prefix(noise.size());
        }
        return std::string(line);
    }
    return "psql failed without an error message";
}

/// Parses the answer of query `name` into `target` with `parse`, or notes why it could not.
template <typename Target, typename Parse>
void read_answer(const HostSnapshot& snapshot, const char* name, Target& target, Parse parse,
                 HostState& state) {
    auto it = snapshot.queries.find(name);
    if (it == snapshot.queries.end()) {
        state.query_errors.push_back(fmt::format("{}: not run", name));
    } else if (auto parsed = parse(it->second)) {
        target = std::move(parsed).value();
    } else {
        state.query_errors.push_back(fmt::format("{}: {}", name, parsed.error().message));
    }
}

}  // namespace

std::string verify_psql(const Host& host) {
    return psql_command(host, session_psql(PsqlUser::Current, kApplicationName));
}

SnapshotRequest verify_request(const Inventory& inventory, const Host& host) {
    SnapshotRequest request;
    request.depth = FactsDepth::Lean;
    request.run_as = RunAs::Postgres;
    request.session = QuerySession::ReadOnly;
    request.application_name = kApplicationName;
    request.processes = ProcessList::Yes;
    request.log_lines = kGatherLogLines;
    request.first_lines = {cluster_paths(host).fence_file};
    request.purpose = "gather replication state";
    const PgVersion version = host.postgres.version;
    const auto settings = desired_settings(inventory, host);
    request.queries = {
        {"replication", stat_replication_sql(version)},
        {"receiver", stat_wal_receiver_sql(version)},
        {"slots", slot_list_sql()},
        {"settings", pg_settings_query(settings)},
        {"file_settings", pg_file_settings_query(settings)},
    };
    if (inventory.replication.archive.method != ArchiveMethod::None)
        request.queries.emplace_back("archiver", stat_archiver_sql());
    add_patroni_requests(inventory, host, request);
    return request;
}

HostState host_state_from_snapshot(const Host& host, const Result<HostSnapshot>& taken) {
    HostState state;
    state.host = &host;
    if (!taken) {
        state.gather_error = taken.error();
        return state;
    }
    const HostSnapshot& snapshot = *taken;
    state.processes = parse_postgres_processes(snapshot.processes, host);
    state.log_tail = snapshot.log_tail;
    state.fence_note = snapshot.first_line_of(cluster_paths(host).fence_file);
    if (!snapshot.complete) {
        state.gather_error = make_host_error(ErrorKind::Remote, host.name, "verify",
                                             "the gather output was cut short",
                                             "run with -vv to see the remote commands");
        return state;
    }
    const auto& session = snapshot.session;
    if (!session.answered) {
        state.psql_error = connect_error(session.errors);
        return state;
    }
    state.accepting = true;
    // Errors of single queries (the session went on): "psql:<stdin>:12: ERROR:  ...".
    for (auto line : split_lines(session.errors)) {
        line = trim_line_end(line);
        if (line.find("ERROR:") != std::string_view::npos ||
            line.find("FATAL:") != std::string_view::npos) {
            state.query_errors.emplace_back("psql: " + std::string(line));
        }
    }
    if (session.exit_status && *session.exit_status != 0) {
        state.query_errors.push_back(
            fmt::format("psql exited with status {}", *session.exit_status));
    }
    if (snapshot.server) {
        state.server = snapshot.server;
    } else {
        state.query_errors.push_back(snapshot.server_error.empty()
                                         ? std::string("server: not run")
                                         : "server: " + snapshot.server_error);
    }
    read_answer(snapshot, "replication", state.replication, parse_stat_replication, state);
    read_answer(snapshot, "receiver", state.receiver, parse_stat_wal_receiver, state);
    read_answer(snapshot, "slots", state.slots, parse_slot_list, state);
    if (snapshot.queries.count("archiver") != 0)
        read_answer(snapshot, "archiver", state.archiver, parse_stat_archiver, state);
    read_answer(snapshot, "file_settings", state.file_settings, parse_pg_file_settings, state);
    read_answer(snapshot, "settings", state.settings, parse_pg_settings, state);
    return state;
}

HostState gather_host(Executor& executor, const Inventory& inventory, const Host& host) {
    const auto taken = take_snapshot(executor, host, verify_request(inventory, host));
    HostState state = host_state_from_snapshot(host, taken);
    if (taken) read_patroni_view(inventory, host, *taken, state);
    return state;
}

}  // namespace pgrepl
