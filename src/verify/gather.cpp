#include "pgrepl/verify/gather.hpp"

#include <fmt/format.h>

#include "pgrepl/pg/sql.hpp"

#include <charconv>
#include <map>

#include "pgrepl/engine/frames.hpp"
#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/archive.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/settings.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

constexpr const char* kSqlDelimiter = "PGREPL_SQL_END";

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

/// The first line psql printed when it could not connect, without the "psql: error: " noise.
std::string connect_error(std::string_view err) {
    for (auto line : split_lines(err)) {
        line = trim_line_end(line);
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
    PsqlCommand psql;
    psql.socket_dir.clear();  // libpq's default: /var/run/postgresql on Debian
    psql.application_name = "pgrepl-verify";
    psql.connect_timeout = 5;
    psql.on_error = PsqlOnError::Continue;
    psql.quiet = PsqlQuiet::Yes;
    return psql_command(host, psql);
}

std::string gather_script(const Inventory& inventory, const Host& host) {
    const ClusterPaths paths = cluster_paths(host);
    std::string script;
    // Few processes: every fork counts on a busy host. ps output is filtered by the parser.
    script += shell_frame("ps") + "\nps -eo pid=,args= 2>/dev/null\n";
    script += fmt::format("{}\ntail -n {} -- {} 2>/dev/null | sed 's/^/|/'\n", shell_frame("log"),
                          kGatherLogLines, shell_quote(paths.log_file));
    // The fence marker: builtins only (no fork), nothing on standard error (psql's first error
    // line there is how a refused connection is reported).
    script += fmt::format(
        "F={}\nif [ -e \"$F\" ]; then L=; {{ IFS= read -r L <\"$F\"; }} 2>/dev/null; "
        "printf '@@fence\\n|%s\\n' \"$L\"; fi\n",
        shell_quote(paths.fence_file));
    script += shell_frame("sql") + "\n";
    script += fmt::format("P={}\n", shell_quote("/usr/lib/postgresql/" +
                                                host.postgres.version.to_string() + "/bin/psql"));
    // psql's errors go to the command's standard error, kept apart from the answers.
    script += "if [ -x \"$P\" ]; then\n";
    script += fmt::format("{} <<'{}'\n", verify_psql(host), kSqlDelimiter);
    script += "SET default_transaction_read_only = on;\nSET statement_timeout = '10s';\n";
    const PgVersion version = host.postgres.version;
    const std::pair<const char*, std::string> queries[] = {
        {"server", live_server_sql(version)},
        {"replication", stat_replication_sql(version)},
        {"receiver", stat_wal_receiver_sql(version)},
        {"slots", slot_list_sql()},
        {"settings", pg_settings_query(desired_settings(inventory, host))},
        {"file_settings", pg_file_settings_query(desired_settings(inventory, host))},
    };
    for (const auto& [name, sql] : queries) {
        script += fmt::format("{}\n{}", psql_frame("query", name), sql);
        if (!sql.empty() && sql.back() != '\n') script += '\n';
    }
    if (inventory.replication.archive.method != ArchiveMethod::None)
        script += fmt::format("{}\n{}", psql_frame("query", "archiver"), stat_archiver_sql());
    script += fmt::format("{}\n{}\n", psql_frame("end-queries"), kSqlDelimiter);
    script += shell_frame("psql-exit", "\"$?\"") + "\n";
    script += fmt::format("else\n{}\necho \"$P is not installed\" >&2\nfi\n",
                          shell_frame("psql-exit", "127"));
    script += shell_frame("end") + "\n";
    return script;
}

HostState parse_gather_output(const Host& host, std::string_view output, std::string_view err) {
    HostState state;
    state.host = &host;
    std::map<std::string, std::string> answers;
    std::string ps_text;
    std::optional<int> psql_exit;
    bool ended = false;
    auto frames = read_frames(output);
    if (frames) {
        bool in_sql = false;
        for (const Frame& frame : *frames) {
            const auto& name = frame.name;
            if (name == "end") {
                ended = true;
                break;
            }
            if (name == "ps") {
                ps_text = frame.body;
            } else if (name == "log") {
                for (const auto line : frame_lines(frame)) {
                    if (starts_with(line, "|")) state.log_tail.emplace_back(line.substr(1));
                }
            } else if (name == "fence") {
                state.fence_note.emplace();
                const auto lines = frame_lines(frame);
                if (!lines.empty() && starts_with(lines[0], "|"))
                    state.fence_note = std::string(lines[0].substr(1));
            } else if (name == "sql") {
                in_sql = true;
            } else if (in_sql && name == "query") {
                answers[std::string(frame.args)] = std::string(frame.body);
            } else if (in_sql && name == "psql-exit") {
                psql_exit = static_cast<int>(parse_int(frame.args).value_or(-1));
            }
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
    for (auto line : split_lines(err)) {
        line = trim_line_end(line);
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
        if (auto info = parse_live_server(*text)) {
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
