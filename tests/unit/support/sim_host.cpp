#include "sim_host.hpp"

#include <regex>
#include <sstream>

namespace pgrepl::test {

SimHost::SimHost(std::string name, SimState state)
    : state_(std::move(state)), fake_(std::move(name)) {
    fake_.expect_run(TextMatch::substring("echo @@end-facts"))
        .times(Times::Any)
        .does([this](const Command& command) -> Result<CommandResult> {
            return command_ok(render(command.script));
        });
}

std::string SimHost::render(const std::string& script) const {
    const auto& s = state_;
    std::ostringstream out;
    out << "user=root\nos=Debian GNU/Linux 12 (bookworm)\n";
    out << "pg_installed=" << (s.pg_installed ? "yes" : "no") << "\n";
    out << "cluster_exists=" << (s.cluster_exists ? "yes" : "no") << "\n";
    if (s.cluster_exists) {
        out << "lsclusters=15 main " << s.port << ' ' << (s.running ? "online" : "down")
            << " postgres " << s.data_dir << " /var/log/postgresql/postgresql-15-main.log\n";
        if (s.pg_version_file) out << "pg_version_file=yes\n";
        if (s.standby_signal) out << "standby_signal=yes\n";
        if (s.pg_version_file && s.backup_label) out << "backup_label=yes\n";
        if (s.pg_version_file && s.never_started) out << "never_started=yes\n";
        if (s.pg_version_file) out << "controldata_sysid=" << s.system_identifier << "\n";
        for (const auto& [key, value] : s.controldata) {
            if (s.pg_version_file) out << "controldata_" << key << '=' << value << "\n";
        }
    }
    if (s.cluster_exists && s.running && !s.server_error.empty()) {
        out << "running=yes\n@@server-error " << s.server_error << "\n";
    } else if (s.cluster_exists && s.running) {
        out << "running=yes\n";
        // live_server_sql()'s row: role, system, timeline, positions, clock, version, start,
        // wal_receiver_timeout, primary_conninfo, then the WAL receiver's fields.
        const bool standby = s.role == LiveRole::Standby;
        out << "@@server\n"
            << (standby ? "t" : "f") << '|' << s.system_identifier << '|' << s.timeline << '|'
            << (standby ? "" : s.current_lsn) << '|' << (standby ? s.receive_lsn : "") << '|'
            << (standby ? s.replay_lsn : "") << "||" << (standby ? "f" : "")
            << "|1795656399.5|150004|2026-11-26 00:00:00+00|" << s.receiver_timeout_ms << '|'
            << s.primary_conninfo << '|' << s.receiver_status << "|||"
            << (s.receiver_host.empty() ? "" : "host=" + s.receiver_host) << '|'
            << (s.receiver_status.empty() ? "" : std::to_string(s.timeline)) << '|'
            << s.receiver_silence_ms << '|' << s.receiver_heard_us << "\n";
    } else {
        out << "running=no\n";
        if (!s.basebackup_pids.empty()) out << "basebackup_pids=" << s.basebackup_pids << "\n";
    }
    out << "@@end-facts\n";
    if (script.find("echo @@ps\n") != std::string::npos) out << "@@ps\n" << s.processes;
    if (script.find("echo @@log\n") != std::string::npos) {
        out << "@@log\n";
        for (const auto& line : s.log_tail) out << '|' << line << "\n";
    }
    // First lines: from the fake's files (/proc/1/comm among them, when a test adds it).
    static const std::regex line_re(R"(F='([^']*)'\nif \[ -e)");
    for (auto it = std::sregex_iterator(script.begin(), script.end(), line_re);
         it != std::sregex_iterator(); ++it) {
        auto file = fake_.file((*it)[1].str());
        if (file) {
            out << "@@line\n|" << file->content.substr(0, file->content.find('\n')) << "\n";
        } else {
            out << "@@noline\n";
        }
    }
    // Files: one shell_file_frame (f='PATH'; if ...) or the words of one pgrepl_files call.
    static const std::regex file_re(R"(f='([^']*)'; if|\npgrepl_files ([^\n]*))");
    static const std::regex word_re(R"('([^']*)')");
    std::vector<std::string> paths;
    for (auto it = std::sregex_iterator(script.begin(), script.end(), file_re);
         it != std::sregex_iterator(); ++it) {
        if ((*it)[1].matched) {
            paths.push_back((*it)[1].str());
            continue;
        }
        const std::string words = (*it)[2].str();
        for (auto w = std::sregex_iterator(words.begin(), words.end(), word_re);
             w != std::sregex_iterator(); ++w)
            paths.push_back((*w)[1].str());
    }
    for (const auto& path : paths) {
        auto file = fake_.file(path);
        if (file) {
            out << "@@file " << file->content.size() << "\n" << file->content << "\n";
        } else {
            out << "@@nofile\n";
        }
    }
    static const std::regex resolve_re(R"(getent ahosts '([^']*)')");
    for (auto it = std::sregex_iterator(script.begin(), script.end(), resolve_re);
         it != std::sregex_iterator(); ++it) {
        out << "@@resolved " << (*it)[1].str() << ' ';
        if (auto found = s.resolves.find((*it)[1].str()); found != s.resolves.end()) {
            for (const auto& address : found->second) out << address << ' ';
        }
        out << '\n';
    }
    if (s.cluster_exists && s.running && s.server_error.empty()) {
        static const std::regex query_re(R"(\\echo @@query (\S+))");
        for (auto it = std::sregex_iterator(script.begin(), script.end(), query_re);
             it != std::sregex_iterator(); ++it) {
            const auto name = (*it)[1].str();
            out << "@@query " << name << "\n";
            auto found = s.queries.find(name);
            if (found != s.queries.end()) out << found->second;
        }
        out << "@@end-queries\n";
    }
    if (script.find("IDENTIFY_SYSTEM") != std::string::npos && s.login) {
        if (s.login->ok) {
            out << "@@login ok|" << s.login->system_identifier << '|' << s.login->timeline << '|'
                << (s.login->xlogpos.empty() ? "0/3000060" : s.login->xlogpos) << "|\n";
            // Like the script: TIMELINE_HISTORY's output (file name|content), lines prefixed.
            if (s.login->timeline_history && script.find("TIMELINE_HISTORY") != std::string::npos) {
                std::istringstream lines("0000000" + s.login->timeline + ".history|" +
                                         *s.login->timeline_history);
                for (std::string line; std::getline(lines, line);)
                    out << "@@history " << line << "\n";
            }
        } else {
            out << "@@login error " << s.login->error << "\n";
        }
    }
    // Normal login tests: answered from the model when asked for by name.
    static const std::regex login_test("@@login-test ([a-z_]+) ok");
    for (auto it = std::sregex_iterator(script.begin(), script.end(), login_test);
         it != std::sregex_iterator(); ++it) {
        const auto name = (*it)[1].str();
        auto found = s.login_tests.find(name);
        if (found == s.login_tests.end()) continue;
        out << "@@login-test " << name
            << (found->second.ok ? std::string(" ok") : " error " + found->second.error) << "\n";
    }
    return out.str();
}

}  // namespace pgrepl::test
