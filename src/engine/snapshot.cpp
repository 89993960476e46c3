#include "pgrepl/engine/snapshot.hpp"

#include <fmt/format.h>

#include "pgrepl/exec/quote.hpp"

namespace pgrepl {
namespace {

constexpr std::string_view kEndFacts = "@@end-facts\n";
constexpr const char* kSqlDelimiter = "PGREPL_SQL_END";

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

std::string snapshot_script(const Host& host, const SnapshotRequest& request) {
    std::string script = host_probe_script(host);
    script += "echo @@end-facts\n";
    for (const auto& path : request.files) {
        script += fmt::format(
            "f={}; if [ -f \"$f\" ]; then printf '@@file %s\\n' \"$(wc -c < \"$f\")\"; cat \"$f\"; "
            "echo; else echo @@nofile; fi\n",
            shell_quote(path));
    }
    script += "if [ \"$running\" = yes ]; then :\n";
    if (!request.queries.empty()) {
        script += fmt::format("pg_psql -X -At -F '|' -f - 2>&1 <<'{}'\n", kSqlDelimiter);
        for (const auto& [name, sql] : request.queries) {
            script += fmt::format("\\echo @@query {}\n{}\n", name, sql);
        }
        script += fmt::format("\\echo @@end-queries\n{}\n", kSqlDelimiter);
    }
    script += "fi\n";
    if (!request.replication_login_conninfo.empty()) {
        script += fmt::format(
            "[ -x \"$BIN/psql\" ] && out=$(as_postgres \"$BIN/psql\" {} -X -At -F '|' -c "
            "IDENTIFY_SYSTEM 2>&1) && "
            "echo \"@@login ok|$(echo \"$out\" | head -n 1)\" || "
            "echo \"@@login error $(echo \"$out\" | grep -v '^$' | head -n 1)\"\n",
            shell_quote(request.replication_login_conninfo));
    }
    return script;
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
        std::size_t size = 0;
        try {
            size = std::stoul(std::string(line.substr(7)));
        } catch (const std::exception&) {
            return malformed("file size");
        }
        if (pos + size + 1 > output.size()) return malformed("file cut short");
        files.emplace_back(std::string(output.substr(pos, size)));
        pos += size + 1;  // the content, then the echo's newline
    }
    std::string current;
    while (pos < output.size()) {
        auto line = take_line(output, pos);
        if (line.rfind("@@query ", 0) == 0) {
            current = std::string(line.substr(8));
            snapshot.queries[current];
        } else if (line == "@@end-queries") {
            current.clear();
        } else if (line.rfind("@@login ok|", 0) == 0) {
            HostSnapshot::Login login;
            login.ok = true;
            auto fields = line.substr(11);
            auto bar = fields.find('|');
            login.system_identifier = std::string(fields.substr(0, bar));
            if (bar != std::string_view::npos) {
                auto rest = fields.substr(bar + 1);
                login.timeline = std::string(rest.substr(0, rest.find('|')));
            }
            snapshot.replication_login = login;
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
