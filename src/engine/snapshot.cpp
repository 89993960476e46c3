#include "pgrepl/engine/snapshot.hpp"

#include <fmt/format.h>

#include <set>

#include "pgrepl/exec/quote.hpp"

namespace pgrepl {
namespace {

constexpr std::string_view kEndFacts = "@@end-facts\n";
constexpr const char* kSqlDelimiter = "PGREPL_SQL_END";
constexpr std::string_view kLoginOk = "@@login ok|";
constexpr std::string_view kHistoryPrefix = "@@history ";
constexpr std::string_view kHistoryError = "@@history-error ";
constexpr std::string_view kResolved = "@@resolved ";

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

// Reads one line (without its \n) at `pos`, advancing pos past it.
std::string_view take_line(std::string_view text, std::size_t& pos) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = std::min(text.size(), end + 1);
    return line;
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

std::string HostSnapshot::query(const std::string& name) const {
    auto it = queries.find(name);
    return it == queries.end() ? std::string{} : it->second;
}

std::vector<std::string> HostSnapshot::addresses_of(const std::string& host_name) const {
    auto it = resolved.find(host_name);
    return it == resolved.end() ? std::vector<std::string>{} : it->second;
}

std::string snapshot_script(const Host& host, const SnapshotRequest& request) {
    std::string script = host_probe_script(host);
    script += "echo @@end-facts\n";
    for (const auto& path : request.files) {
        script += fmt::format(
            "f={}; if [ -f \"$f\" ]; then printf '@@file %s\\n' \"$(wc -c < \"$f\")\"; cat \"$f\"; "
            "echo; else echo @@nofile; fi\n",
            shell_quote(path));
    }
    // One line per name: "@@resolved NAME ADDRESS...", the addresses sorted, none when the
    // name does not resolve.
    for (const auto& name : request.host_names) {
        script += fmt::format(
            "printf '{}%s %s\n' {} \"$(getent ahosts {} | awk '{{print $1}}' | sort -u | "
            "tr '\n' ' ')\"\n",
            kResolved, shell_quote(name), shell_quote(name));
    }
    script += "if [ \"$running\" = yes ]; then :\n";
    if (!request.queries.empty()) {
        script += fmt::format("pg_psql -X -At -F '|' -f - 2>&1 <<'{}'\n", kSqlDelimiter);
        // Steps may ask for the same query (same name, same SQL): it runs once.
        std::set<std::string> asked;
        for (const auto& [name, sql] : request.queries) {
            if (!asked.insert(name).second) continue;
            script += fmt::format("\\echo @@query {}\n{}\n", name, sql);
        }
        script += fmt::format("\\echo @@end-queries\n{}\n", kSqlDelimiter);
    }
    script += "fi\n";
    if (!request.replication_login_conninfo.empty()) {
        // IDENTIFY_SYSTEM prints systemid|timeline|xlogpos|dbname. Beyond timeline 1, the
        // history of that timeline follows, every line prefixed (the content spans lines).
        script += fmt::format(
            R"SH(if [ -x "$BIN/psql" ] && out=$(as_postgres "$BIN/psql" {conninfo} -X -At -F '|' -c IDENTIFY_SYSTEM 2>&1); then
  echo "@@login ok|$(echo "$out" | head -n 1)"
  tli=$(echo "$out" | head -n 1 | cut -d '|' -f 2)
  case "$tli" in ''|*[!0-9]*|0|1) ;;
  *) if hist=$(as_postgres "$BIN/psql" {conninfo} -X -At -F '|' -c "TIMELINE_HISTORY $tli" 2>&1); then
       printf '%s\n' "$hist" | sed 's/^/{history}/'
     else
       echo "{history_error}$(echo "$hist" | grep -v '^$' | head -n 1)"
     fi ;;
  esac
else
  echo "@@login error $(echo "$out" | grep -v '^$' | head -n 1)"
fi
)SH",
            fmt::arg("conninfo", shell_quote(request.replication_login_conninfo)),
            fmt::arg("history", kHistoryPrefix), fmt::arg("history_error", kHistoryError));
    }
    return script;
}

Result<std::string> take_framed_file(std::string_view output, std::size_t& pos,
                                     std::string_view header) {
    constexpr std::string_view kHeader = "@@file ";
    std::size_t size = 0;
    try {
        size = std::stoul(std::string(header.substr(std::min(kHeader.size(), header.size()))));
    } catch (const std::exception&) {
        return make_error(ErrorKind::Remote, "file size");
    }
    if (pos > output.size() || size + 1 > output.size() - pos)
        return make_error(ErrorKind::Remote, "file cut short");
    std::string content(output.substr(pos, size));
    pos += size + 1;  // the content, then the echo's newline
    return content;
}

Result<HostSnapshot> parse_snapshot(std::string_view output) {
    HostSnapshot snapshot;
    auto split = output.find(kEndFacts);
    if (split == std::string_view::npos) return malformed("no end of facts");
    snapshot.facts = parse_host_probe(output.substr(0, split));
    std::size_t pos = split + kEndFacts.size();
    // Files come in request order; the caller maps them (see take_snapshot).
    std::vector<std::optional<std::string>> files;
    while (pos < output.size() && output.compare(pos, 2, "@@") == 0 &&
           (output.compare(pos, 7, "@@file ") == 0 || output.compare(pos, 8, "@@nofile") == 0)) {
        auto line = take_line(output, pos);
        if (line == "@@nofile") {
            files.emplace_back(std::nullopt);
            continue;
        }
        auto content = take_framed_file(output, pos, line);
        if (!content) return malformed(content.error().message);
        files.emplace_back(std::move(content).value());
    }
    while (pos < output.size() && output.compare(pos, kResolved.size(), kResolved) == 0) {
        std::string_view fields = take_line(output, pos).substr(kResolved.size());
        const auto space = fields.find(' ');
        auto& addresses = snapshot.resolved[std::string(fields.substr(0, space))];
        fields.remove_prefix(space == std::string_view::npos ? fields.size() : space + 1);
        while (!fields.empty()) {
            const auto end = std::min(fields.find(' '), fields.size());
            if (end > 0) addresses.emplace_back(fields.substr(0, end));
            fields.remove_prefix(std::min(end + 1, fields.size()));
        }
    }
    std::string current;
    while (pos < output.size()) {
        auto line = take_line(output, pos);
        if (line.rfind("@@query ", 0) == 0) {
            current = std::string(line.substr(8));
            snapshot.queries[current];
        } else if (line == "@@end-queries") {
            current.clear();
        } else if (line.rfind(kLoginOk, 0) == 0) {
            HostSnapshot::Login login;
            login.ok = true;
            read_identify_system(line.substr(kLoginOk.size()), login);
            snapshot.replication_login = login;
        } else if (line.rfind(kHistoryPrefix, 0) == 0 || line.rfind(kHistoryError, 0) == 0) {
            if (!snapshot.replication_login || !snapshot.replication_login->ok) {
                return malformed("timeline history without a login");
            }
            auto& login = *snapshot.replication_login;
            if (line.rfind(kHistoryError, 0) == 0) {
                login.history_error = std::string(line.substr(kHistoryError.size()));
            } else {
                read_history_line(line.substr(kHistoryPrefix.size()), login);
            }
        } else if (line.rfind("@@login error", 0) == 0) {
            HostSnapshot::Login login;
            login.error = std::string(line.size() > 14 ? line.substr(14) : std::string_view{});
            snapshot.replication_login = login;
        } else if (!current.empty()) {
            auto& text = snapshot.queries[current];
            text.append(line);
            text.push_back('\n');
        }
    }
    std::size_t index = 0;
    for (auto& content : files) snapshot.files.emplace(std::to_string(index++), std::move(content));
    return snapshot;
}

Result<HostSnapshot> take_snapshot(Executor& executor, const Host& host,
                                   const SnapshotRequest& request) {
    Command command;
    command.script = snapshot_script(host, request);
    command.purpose = "gather state";
    command.secret_output = true;
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        return make_error(ErrorKind::Remote,
                          fmt::format("{}: gather state: exit {}: {}", host.name,
                                      result->exit_status, result->err),
                          "run with -vv to see the remote commands");
    }
    auto parsed = parse_snapshot(result->out);
    if (!parsed) return parsed.error();
    // Re-key the files by path (parse_snapshot numbers them in request order).
    HostSnapshot snapshot = std::move(parsed).value();
    std::map<std::string, std::optional<std::string>> by_path;
    for (std::size_t i = 0; i < request.files.size(); ++i) {
        by_path[request.files[i]] = snapshot.file(std::to_string(i));
    }
    snapshot.files = std::move(by_path);
    return snapshot;
}

}  // namespace pgrepl
