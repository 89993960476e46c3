#include "pgrepl/verify/gather.hpp"

#include <fmt/format.h>

#include "pgrepl/pg/sql.hpp"

#include <charconv>
#include <map>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/archive.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/settings.hpp"

namespace pgrepl {
namespace {

constexpr const char* kSqlDelimiter = "PGREPL_SQL_END";

/// Reads the line at `pos` (without its newline, a trailing \r dropped) and advances past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = std::min(text.size(), end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::optional<double> parse_double(std::string_view text) {
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

Error bad(std::string_view what) {
    return make_error(ErrorKind::Remote,
                      "unexpected psql output for server state: " + std::string(what));
}

/// The first line psql printed when it could not connect, without the "psql: error: " noise.
std::string connect_error(std::string_view err) {
    std::size_t pos = 0;
    while (pos < err.size()) {
        auto line = next_line(err, pos);
        if (line.empty()) continue;
        for (std::string_view noise : {"psql: error: ", "psql: "}) {
            if (starts_with(line, noise)) line.remove_prefix(noise.size());
        }
        return std::string(line);
    }
    return "psql failed without an error message";
}

}  // namespace

std::string verify_psql(const Host& host) {
    return fmt::format(
        "PGCONNECT_TIMEOUT=5 PGAPPNAME=pgrepl-verify {} -X -q -At -F '|' -p {} -d postgres",
        shell_quote("/usr/lib/postgresql/" + host.postgres.version.to_string() + "/bin/psql"),
        host.postgres.port);
}

std::string server_info_sql(PgVersion version) {
    const WalFunctions wal = wal_functions(version);
    return fmt::format(
        "SELECT pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system()), "
        "CASE WHEN pg_is_in_recovery() THEN '' ELSE {}::text END, "
        "coalesce({}::text, ''), coalesce({}::text, ''), "
        "coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::text, "
        "''), "
        "CASE WHEN NOT pg_is_in_recovery() THEN '' WHEN {} THEN 't' ELSE 'f' END, "
        "extract(epoch FROM clock_timestamp()), current_setting('server_version_num');\n",
        wal.current, wal.receive, wal.replay, wal.replay_paused);
}

Result<ServerInfo> parse_server_info(std::string_view out) {
    auto table = parse_psql_table(out, 9, "server state");
    if (!table) return table.error();
    if (table->size() != 1) return bad("expected one row");
    auto& fields = (*table)[0];
    ServerInfo info;
    const auto recovery = parse_psql_bool(fields[0]);
    if (!recovery) return bad("pg_is_in_recovery is not a boolean");
    info.in_recovery = *recovery;
    info.system_identifier = std::move(fields[1]);
    info.current_lsn = std::move(fields[2]);
    info.receive_lsn = std::move(fields[3]);
    info.replay_lsn = std::move(fields[4]);
    for (const std::string* lsn : {&info.current_lsn, &info.receive_lsn, &info.replay_lsn}) {
        if (!lsn->empty() && !parse_lsn(*lsn)) return bad("a WAL position is malformed");
    }
    if (!fields[5].empty()) {
        info.replay_age_seconds = parse_double(fields[5]);
        if (!info.replay_age_seconds) return bad("replay age is not a number");
    }
    if (!fields[6].empty()) {
        info.replay_paused = parse_psql_bool(fields[6]);
        if (!info.replay_paused) return bad("replay paused is not a boolean");
    }
    const auto clock = parse_double(fields[7]);
    const auto version = parse_int(fields[8]);
    if (!clock || !version) return bad("clock or server version is not a number");
    info.clock_epoch = *clock;
    info.server_version_num = static_cast<int>(*version);
    return info;
}

std::string gather_script(const Inventory& inventory, const Host& host) {
    const ClusterPaths paths = cluster_paths(host);
    std::string script;
    // Few processes: every fork counts on a busy host. ps output is filtered by the parser.
    script += "echo @@ps\nps -eo pid=,args= 2>/dev/null\n";
    script += fmt::format("echo @@log\ntail -n {} -- {} 2>/dev/null | sed 's/^/|/'\n",
                          kGatherLogLines, shell_quote(paths.log_file));
    // The fence marker: builtins only (no fork), nothing on standard error (psql's first error
    // line there is how a refused connection is reported).
    script += fmt::format(
        "F={}\nif [ -e \"$F\" ]; then L=; {{ IFS= read -r L <\"$F\"; }} 2>/dev/null; "
        "printf '@@fence\\n|%s\\n' \"$L\"; fi\n",
        shell_quote(paths.fence_file));
    script += "echo @@sql\n";
    script += fmt::format("P={}\n", shell_quote("/usr/lib/postgresql/" +
                                                host.postgres.version.to_string() + "/bin/psql"));
    // psql's errors go to the command's standard error, kept apart from the answers.
    script += "if [ -x \"$P\" ]; then\n";
    script += fmt::format("{} <<'{}'\n", verify_psql(host), kSqlDelimiter);
    script += "SET default_transaction_read_only = on;\nSET statement_timeout = '10s';\n";
    const PgVersion version = host.postgres.version;
    const std::pair<const char*, std::string> queries[] = {
        {"server", server_info_sql(version)},
        {"replication", stat_replication_sql(version)},
        {"receiver", stat_wal_receiver_sql(version)},
        {"slots", slot_list_sql()},
        {"settings", pg_settings_query(desired_settings(inventory, host))},
        {"file_settings", pg_file_settings_query(desired_settings(inventory, host))},
    };
    for (const auto& [name, sql] : queries) {
        script += fmt::format("\\echo @@query {}\n{}", name, sql);
        if (!sql.empty() && sql.back() != '\n') script += '\n';
    }
    if (inventory.replication.archive.method != ArchiveMethod::None)
        script += fmt::format("\\echo @@query archiver\n{}", stat_archiver_sql());
    script += fmt::format("\\echo @@end-queries\n{}\n", kSqlDelimiter);
    script += "echo \"@@psql-exit $?\"\n";
    script += "else\necho '@@psql-exit 127'\necho \"$P is not installed\" >&2\nfi\n";
    script += "echo @@end\n";
    return script;
}

HostState parse_gather_output(const Host& host, std::string_view output, std::string_view err) {
    HostState state;
    state.host = &host;
    std::string section;  // ps, log, sql
    std::string query;    // the current query inside sql
    std::map<std::string, std::string> answers;
    std::string ps_text;
    std::optional<int> psql_exit;
    bool ended = false;
    std::size_t pos = 0;
    while (pos < output.size()) {
        const auto line = next_line(output, pos);
        if (line == "@@ps" || line == "@@log" || line == "@@fence" || line == "@@sql") {
            section = std::string(line.substr(2));
            query.clear();
            if (section == "fence") state.fence_note.emplace();
            continue;
        }
        if (line == "@@end") {
            ended = true;
            break;
        }
        if (section == "sql") {
            if (starts_with(line, "@@query ")) {
                query = std::string(line.substr(8));
                answers[query];
            } else if (line == "@@end-queries") {
                query.clear();
            } else if (starts_with(line, "@@psql-exit ")) {
                psql_exit = static_cast<int>(parse_int(line.substr(12)).value_or(-1));
                query.clear();
            } else if (!query.empty()) {
                answers[query].append(line).push_back('\n');
            }
        } else if (section == "ps") {
            ps_text.append(line).push_back('\n');
        } else if (section == "log") {
            if (starts_with(line, "|")) state.log_tail.emplace_back(line.substr(1));
        } else if (section == "fence") {
            if (starts_with(line, "|") && state.fence_note->empty())
                state.fence_note = std::string(line.substr(1));
        }
    }
    state.processes = parse_postgres_processes(ps_text, host);
    if (!ended) {
        state.gather_error =
            make_error(ErrorKind::Remote, host.name + ": verify: the gather output was cut short",
                       "run with -vv to see the remote commands");
        return state;
    }
    if (answers.empty()) {
        state.psql_error = connect_error(err);
        return state;
    }
    state.accepting = true;
    // Errors of single queries (the session went on): "psql:<stdin>:12: ERROR:  ...".
    std::size_t err_pos = 0;
    while (err_pos < err.size()) {
        const auto line = next_line(err, err_pos);
        if (line.find("ERROR:") != std::string_view::npos ||
            line.find("FATAL:") != std::string_view::npos) {
            state.query_errors.emplace_back("psql: " + std::string(line));
        }
    }
    if (psql_exit && *psql_exit != 0) {
        state.query_errors.push_back(fmt::format("psql exited with status {}", *psql_exit));
    }
    const auto answer = [&](const char* name) -> std::optional<std::string> {
        auto it = answers.find(name);
        if (it == answers.end()) {
            state.query_errors.push_back(fmt::format("{}: not run", name));
            return std::nullopt;
        }
        return it->second;
    };
    const auto note = [&](const char* name, const Error& error) {
        state.query_errors.push_back(fmt::format("{}: {}", name, error.message));
    };
    if (auto text = answer("server")) {
        if (auto info = parse_server_info(*text)) {
            state.server = std::move(info).value();
        } else {
            note("server", info.error());
        }
    }
    if (auto text = answer("replication")) {
        if (auto rows = parse_stat_replication(*text)) {
            state.replication = std::move(rows).value();
        } else {
            note("replication", rows.error());
        }
    }
    if (auto text = answer("receiver")) {
        if (auto receiver = parse_stat_wal_receiver(*text)) {
            state.receiver = std::move(receiver).value();
        } else {
            note("receiver", receiver.error());
        }
    }
    if (auto text = answer("slots")) {
        if (auto slots = parse_slot_list(*text)) {
            state.slots = std::move(slots).value();
        } else {
            note("slots", slots.error());
        }
    }
    if (answers.count("archiver") != 0) {
        if (auto stats = parse_stat_archiver(answers["archiver"])) {
            state.archiver = std::move(stats).value();
        } else {
            note("archiver", stats.error());
        }
    }
    if (auto text = answer("file_settings")) {
        if (auto rows = parse_pg_file_settings(*text)) {
            state.file_settings = std::move(rows).value();
        } else {
            note("file_settings", rows.error());
        }
    }
    if (auto text = answer("settings")) {
        if (auto rows = parse_pg_settings(*text)) {
            state.settings = std::move(rows).value();
        } else {
            note("settings", rows.error());
        }
    }
    return state;
}

HostState gather_host(Executor& executor, const Inventory& inventory, const Host& host) {
    Command command;
    command.script = gather_script(inventory, host);
    command.run_as = RunAs::Postgres;
    command.mutation = Mutation::ReadOnly;
    command.purpose = "gather replication state";
    auto result = executor.run(command);
    if (!result) {
        HostState state;
        state.host = &host;
        state.gather_error = result.error();
        return state;
    }
    if (!result->success()) {
        HostState state = parse_gather_output(host, result->out, result->err);
        auto err = result->err;
        while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
        state.gather_error = make_error(
            ErrorKind::Remote,
            fmt::format("{}: verify: gathering the state failed (exit {}): {}", host.name,
                        result->exit_status, err.empty() ? "no error output" : err),
            "run with -vv to see the remote commands");
        return state;
    }
    return parse_gather_output(host, result->out, result->err);
}

}  // namespace pgrepl
