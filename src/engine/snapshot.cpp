#include "pgrepl/engine/snapshot.hpp"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

#include "pgrepl/engine/frames.hpp"
#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/util/text.hpp"
#include "snapshot_http.hpp"

namespace pgrepl {
namespace {

constexpr const char* kSqlDelimiter = "PGREPL_SQL_END";
constexpr std::string_view kHistoryPrefix = "@@history ";
constexpr std::string_view kHistoryError = "@@history-error ";

// IDENTIFY_SYSTEM's row "systemid|timeline|xlogpos|dbname" into the login.
void read_identify_system(std::string_view fields, HostSnapshot::Login& login) {
    std::string* targets[] = {&login.system_identifier, &login.timeline, &login.xlogpos};
    for (auto* target : targets) {
        auto bar = fields.find('|');
        *target = std::string(fields.substr(0, bar));
        if (bar == std::string_view::npos) break;
        fields.remove_prefix(bar + 1);
    }
}

// One prefixed line of TIMELINE_HISTORY's output: the first one starts with the file name and
// the field separator ("00000002.history|"), the others are raw lines of the content.
void read_history_line(std::string_view line, HostSnapshot::Login& login) {
    if (!login.timeline_history) {
        auto bar = line.find('|');
        login.timeline_history =
            std::string(bar == std::string_view::npos ? std::string_view{} : line.substr(bar + 1));
    } else {
        login.timeline_history->append(line);
    }
    login.timeline_history->push_back('\n');
}

// The query session: the server query first, then the queries of the request (each asked
// once: steps may ask for the same one). One psql, one backend: the server's answer and the
// steps' queries come from the same session.
std::string session_script(const Host& host, const SnapshotRequest& request) {
    std::string sql = psql_frame("server") + "\n" + live_server_sql(host.postgres.version);
    if (sql.back() != '\n') sql += '\n';
    std::set<std::string> asked;
    for (const auto& [name, text] : request.queries) {
        if (asked.insert(name).second)
            sql += fmt::format("{}\n{}\n", psql_frame("query", name), text);
    }
    sql += psql_frame("end-queries");
    // Merged: a session that did not start (refused, starting up, in crash recovery) printed
    // only psql's error: its first line is the server error.
    if (request.session == QuerySession::Merged)
        return fmt::format(
            "out=$(pg_psql -f - 2>&1 <<'{0}'\n{1}\n{0}\n)\n"
            "case \"$out\" in\n@@server*) printf '%s\\n' \"$out\" ;;\n"
            "*) echo \"@@server-error $(printf '%s\\n' \"$out\" | grep -v '^$' | head -n 1)\" ;;\n"
            "esac\n",
            kSqlDelimiter, sql);
    // psql's errors go to the command's standard error, kept apart from the answers.
    const PsqlUser user = request.run_as == RunAs::Postgres ? PsqlUser::Current : PsqlUser::Runuser;
    return fmt::format(
        "P={}\nif [ -x \"$P\" ]; then\n{} <<'{}'\n"
        "SET default_transaction_read_only = on;\nSET statement_timeout = '10s';\n{}\n{}\n{}\n"
        "else\n{}\necho \"$P is not installed\" >&2\nfi\n",
        shell_quote("/usr/lib/postgresql/" + host.postgres.version.to_string() + "/bin/psql"),
        psql_command(host, session_psql(user, request.application_name)), kSqlDelimiter, sql,
        kSqlDelimiter, shell_frame("psql-exit", "\"$?\""), shell_frame("psql-exit", "127"));
}

// The paths (or names) in request order, each once: steps may ask for the same one, and each
// one asked is a fork on the host.
std::vector<std::string> each_once(const std::vector<std::string>& asked) {
    std::set<std::string> seen;
    std::vector<std::string> once;
    for (const auto& item : asked) {
        if (seen.insert(item).second) once.push_back(item);
    }
    return once;
}

Error malformed(std::string_view what) {
    return make_error(ErrorKind::Remote, fmt::format("snapshot: malformed output ({})", what),
                      "run with -vv to see the remote commands");
}

}  // namespace

std::optional<std::string> HostSnapshot::file(const std::string& path) const {
    auto it = files.find(path);
    return it == files.end() ? std::nullopt : it->second;
}

std::optional<std::string> HostSnapshot::first_line_of(const std::string& path) const {
    auto it = first_lines.find(path);
    return it == first_lines.end() ? std::nullopt : it->second;
}

std::string HostSnapshot::query(const std::string& name) const {
    auto it = queries.find(name);
    return it == queries.end() ? std::string{} : it->second;
}

std::vector<std::string> HostSnapshot::addresses_of(const std::string& host_name) const {
    auto it = resolved.find(host_name);
    return it == resolved.end() ? std::vector<std::string>{} : it->second;
}

const HostSnapshot::LoginTest* HostSnapshot::login_test(const std::string& name) const {
    auto it = login_tests.find(name);
    return it == login_tests.end() ? nullptr : &it->second;
}

std::string snapshot_script(const Host& host, const SnapshotRequest& request) {
    const bool lean = request.depth == FactsDepth::Lean;
    if (lean && (request.session == QuerySession::Merged ||
                 !request.replication_login_conninfo.empty() || !request.login_tests.empty()))
        throw std::invalid_argument("snapshot: a lean snapshot has no probe to build on");
    std::string script = lean ? std::string{} : host_probe_script(host);
    script += shell_frame("end-facts") + "\n";
    if (request.processes == ProcessList::Yes)
        script += shell_frame("ps") + "\nps -eo pid=,args= 2>/dev/null\n";
    if (request.log_lines > 0) {
        // Prefixed: a log line never reads as a frame header.
        script +=
            fmt::format("{}\ntail -n {} -- {} 2>/dev/null | sed 's/^/|/'\n", shell_frame("log"),
                        request.log_lines, shell_quote(cluster_paths(host).log_file));
    }
    // Builtins only (no fork), nothing on standard error.
    for (const auto& path : each_once(request.first_lines)) {
        script += fmt::format(
            "F={}\nif [ -e \"$F\" ]; then L=; {{ IFS= read -r L <\"$F\"; }} 2>/dev/null; "
            "{}; printf '|%s\\n' \"$L\"; else {}; fi\n",
            shell_quote(path), shell_frame("line"), shell_frame("noline"));
    }
    std::vector<std::string> files;
    for (const auto& path : each_once(request.files)) files.push_back(shell_quote(path));
    if (!files.empty()) script += shell_file_frames(files) + "\n";
    // One line per name: "@@resolved NAME ADDRESS...", the addresses sorted, none when the
    // name does not resolve.
    for (const auto& name : each_once(request.host_names)) {
        script += fmt::format(
            "printf '@@resolved %s %s\n' {} \"$(getent ahosts {} | awk '{{print $1}}' | sort -u | "
            "tr '\n' ' ')\"\n",
            shell_quote(name), shell_quote(name));
    }
    if (!request.http_gets.empty()) script += http_get_script(each_once(request.http_gets));
    if (!lean) script += "if [ \"$running\" = yes ]; then :\n";
    script += session_script(host, request);
    if (!lean) script += "fi\n";
    const bool logins = !request.replication_login_conninfo.empty() || !request.login_tests.empty();
    if (logins && request.logins_unless_streaming_from && !lean &&
        request.session == QuerySession::Merged) {
        // The server row follows the @@server line of the session's output ($out).
        const auto& from = *request.logins_unless_streaming_from;
        script += fmt::format(
            "streams=no\nif [ \"$running\" = yes ]; then\n  row=${{out#*@@server\n}}; "
            "row=${{row%%\n*}}\n"
            "  case \"$row\" in *{}*) streams=yes ;; esac\nfi\n"
            "if [ \"$streams\" = yes ]; then :\nelse\n",
            shell_quote(fmt::format("|streaming|{}|{}|", from.host, from.port.value_or(5432))));
    }
    if (logins && !request.logins_need_file.empty())
        script += fmt::format("if [ -f {} ]; then :\n", shell_quote(request.logins_need_file));
    if (!request.replication_login_conninfo.empty()) {
        PsqlCommand login = probe_psql();
        login.conninfo = request.replication_login_conninfo;
        // IDENTIFY_SYSTEM prints systemid|timeline|xlogpos|dbname. Beyond timeline 1, the
        // history of that timeline follows, every line prefixed (the content spans lines).
        script += fmt::format(
            R"SH(if [ -x "$BIN/psql" ] && out=$({psql} -c IDENTIFY_SYSTEM 2>&1); then
  first=''; IFS= read -r first <<PGREPL_OUT || :
$out
PGREPL_OUT
  echo "@@login ok|$first"
  tli=${{first#*|}}; tli=${{tli%%|*}}
  case "$tli" in ''|*[!0-9]*|0|1) ;;
  *) if hist=$({psql} -c "TIMELINE_HISTORY $tli" 2>&1); then
       printf '%s\n' "$hist" | sed 's/^/{history}/'
     else
       echo "{history_error}$(echo "$hist" | grep -v '^$' | head -n 1)"
     fi ;;
  esac
else
  echo "@@login error $(echo "$out" | grep -v '^$' | head -n 1)"
fi
)SH",
            fmt::arg("psql", psql_command(host, login)), fmt::arg("history", kHistoryPrefix),
            fmt::arg("history_error", kHistoryError));
    }
    std::set<std::string> tested;
    for (const auto& [name, conninfo] : request.login_tests) {
        if (!tested.insert(name).second) continue;  // asked by two steps: tried once
        PsqlCommand login = probe_psql();
        login.conninfo = conninfo;
        script += fmt::format(
            "if [ -x \"$BIN/psql\" ] && out=$({psql} -c 'SELECT 1' 2>&1); then echo "
            "'@@login-test {name} ok'; else echo \"@@login-test {name} error $(echo \"$out\" | "
            "grep -v '^$' | head -n 1)\"; fi\n",
            fmt::arg("psql", psql_command(host, login)), fmt::arg("name", name));
    }
    if (logins && !request.logins_need_file.empty()) {
        const std::string missing =
            "password file " + request.logins_need_file + " does not exist yet";
        script += "else\n";
        if (!request.replication_login_conninfo.empty())
            script += "echo " + shell_quote("@@login error " + missing) + "\n";
        std::set<std::string> reported;
        for (const auto& [name, conninfo] : request.login_tests) {
            if (reported.insert(name).second)
                script +=
                    "echo " + shell_quote("@@login-test " + name + " error " + missing) + "\n";
        }
        script += "fi\n";
    }
    if (logins && request.logins_unless_streaming_from && !lean &&
        request.session == QuerySession::Merged)
        script += "fi\n";
    script += shell_frame("end") + "\n";
    return script;
}

Result<HostSnapshot> parse_snapshot(std::string_view output) {
    auto frames = read_frames(output);
    if (!frames) return malformed(frames.error().message);
    HostSnapshot snapshot;
    // Files and first lines come in request order; read_snapshot maps them to their paths.
    std::vector<std::optional<std::string>> files;
    std::vector<std::optional<std::string>> first_lines;
    const auto read_server = [&](const Frame& frame) {
        if (auto server = parse_live_server(frame.body)) {
            snapshot.server = std::move(server).value();
        } else {
            snapshot.server_error = server.error().message;
        }
    };
    bool facts_ended = false;
    for (const Frame& frame : *frames) {
        const std::string name(frame.name);
        if (!facts_ended) {
            if (name.empty()) {
                snapshot.facts = parse_host_probe(frame.body);
            } else if (name == "server") {
                read_server(frame);
            } else if (name == "server-error") {  // also accepted among the facts
                snapshot.server_error = std::string(frame.args);
            } else if (name == "end-facts") {
                facts_ended = true;
            }
            continue;
        }
        if (name == "end") {
            snapshot.complete = true;
            break;
        }
        if (name == "file") {
            files.emplace_back(std::string(frame.body));
        } else if (name == "nofile") {
            files.emplace_back(std::nullopt);
        } else if (name == "line") {
            const auto lines = frame_lines(frame);
            first_lines.emplace_back(lines.empty() || lines[0].substr(0, 1) != "|"
                                         ? std::string{}
                                         : std::string(lines[0].substr(1)));
        } else if (name == "noline") {
            first_lines.emplace_back(std::nullopt);
        } else if (name == "ps") {
            snapshot.processes = frame.body;
        } else if (name == "log") {
            for (const auto line : frame_lines(frame)) {
                if (line.substr(0, 1) == "|") snapshot.log_tail.emplace_back(line.substr(1));
            }
        } else if (name == "resolved") {
            std::string_view fields = frame.args;
            const auto space = fields.find(' ');
            auto& addresses = snapshot.resolved[std::string(fields.substr(0, space))];
            fields.remove_prefix(space == std::string_view::npos ? fields.size() : space + 1);
            while (!fields.empty()) {
                const auto end = std::min(fields.find(' '), fields.size());
                if (end > 0) addresses.emplace_back(fields.substr(0, end));
                fields.remove_prefix(std::min(end + 1, fields.size()));
            }
        } else if (name == "http") {
            read_http_frame(frame, snapshot);
        } else if (name == "server-error") {
            snapshot.server_error = std::string(frame.args);
        } else if (name == "server" || name == "query" || name == "end-queries") {
            snapshot.session.answered = true;
            if (name == "server") read_server(frame);
            if (name != "query") continue;
            auto& text = snapshot.queries[std::string(frame.args)];
            text = frame.body;
            if (!text.empty() && text.back() != '\n') text.push_back('\n');
        } else if (name == "psql-exit") {
            snapshot.session.exit_status = static_cast<int>(parse_int(frame.args).value_or(-1));
        } else if (name == "login") {
            HostSnapshot::Login login;
            if (frame.args.substr(0, 3) == "ok|") {
                login.ok = true;
                read_identify_system(frame.args.substr(3), login);
            } else if (frame.args.substr(0, 5) == "error") {
                login.error =
                    std::string(frame.args.substr(std::min<std::size_t>(6, frame.args.size())));
            }
            snapshot.replication_login = login;
        } else if (name == "login-test") {
            std::string_view fields = frame.args;
            const auto space = std::min(fields.find(' '), fields.size());
            auto& test = snapshot.login_tests[std::string(fields.substr(0, space))];
            fields.remove_prefix(std::min(space + 1, fields.size()));
            test.ok = fields == "ok";
            if (fields.substr(0, 6) == "error ") test.error = std::string(fields.substr(6));
        } else if (name == "history" || name == "history-error") {
            if (!snapshot.replication_login || !snapshot.replication_login->ok) {
                return malformed("timeline history without a login");
            }
            auto& login = *snapshot.replication_login;
            if (name == "history-error") {
                login.history_error = std::string(frame.args);
            } else {
                read_history_line(frame.args, login);
            }
        }
    }
    if (!facts_ended) return malformed("no end of facts");
    std::size_t index = 0;
    for (auto& content : files) snapshot.files.emplace(std::to_string(index++), std::move(content));
    index = 0;
    for (auto& line : first_lines) snapshot.first_lines.emplace(std::to_string(index++), line);
    return snapshot;
}

Result<HostSnapshot> read_snapshot(const SnapshotRequest& request, const CommandResult& result) {
    auto parsed = parse_snapshot(result.out);
    if (!parsed) return parsed.error();
    // Re-key by path (parse_snapshot numbers them in request order, each path once).
    HostSnapshot snapshot = std::move(parsed).value();
    const auto by_path = [](const std::vector<std::string>& asked, auto& numbered) {
        const auto paths = each_once(asked);
        std::map<std::string, std::optional<std::string>> keyed;
        for (std::size_t i = 0; i < paths.size(); ++i) {
            auto it = numbered.find(std::to_string(i));
            keyed[paths[i]] = it == numbered.end() ? std::nullopt : it->second;
        }
        numbered = std::move(keyed);
    };
    by_path(request.files, snapshot.files);
    by_path(request.first_lines, snapshot.first_lines);
    snapshot.session.errors = result.err;
    return snapshot;
}

Result<HostSnapshot> take_snapshot(Executor& executor, const Host& host,
                                   const SnapshotRequest& request) {
    Command command;
    command.script = snapshot_script(host, request);
    command.run_as = request.run_as;
    command.mutation = Mutation::ReadOnly;
    command.purpose = request.purpose;
    command.secret_output = true;
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        const std::string_view err = trim_line_end(result->err);
        return make_host_error(
            ErrorKind::Remote, host.name, request.purpose,
            fmt::format("exit {}: {}", result->exit_status, err.empty() ? "no error output" : err),
            "run with -vv to see the remote commands");
    }
    auto snapshot = read_snapshot(request, *result);
    if (snapshot && snapshot->facts.data_dir_closed) {
        return make_host_error(
            ErrorKind::Sudo, host.name, request.purpose,
            fmt::format("{} cannot look into the data directory {} (not root, and ssh.become: "
                        "never runs no sudo): what it holds and whether PostgreSQL runs are "
                        "unknown",
                        snapshot->facts.user.empty() ? "the SSH user" : snapshot->facts.user,
                        snapshot->facts.data_directory),
            "log in as root, or set ssh.become: auto so that pgrepl runs its commands through "
            "sudo -n");
    }
    return snapshot;
}

}  // namespace pgrepl
