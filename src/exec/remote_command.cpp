#include "exec/remote_command.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "pgrepl/exec/host_lock.hpp"
#include "pgrepl/exec/quote.hpp"

namespace pgrepl {

WrapperKind wrapper_kind(std::string_view ssh_user, Become become, RunAs run_as) {
    if (ssh_user == "root") {
        return run_as == RunAs::Postgres ? WrapperKind::Runuser : WrapperKind::None;
    }
    return become == Become::Auto ? WrapperKind::Sudo : WrapperKind::None;
}

std::string privilege_wrapper(std::string_view ssh_user, Become become, RunAs run_as) {
    switch (wrapper_kind(ssh_user, become, run_as)) {
        case WrapperKind::None:
            return {};
        case WrapperKind::Runuser:
            return "runuser -u postgres -- ";
        case WrapperKind::Sudo:
            return run_as == RunAs::Postgres ? "sudo -n -u postgres -- " : "sudo -n -- ";
    }
    return {};
}

std::string remote_command_line(std::string_view ssh_user, Become become, RunAs run_as,
                                std::string_view script) {
    // `cd /` first: the postgres user may not be allowed into the SSH user's home directory.
    // `exec`: the login shell is replaced, so a command killed by a signal is reported by sshd
    // as killed (exit-signal) rather than as the shell's status 128+N.
    return "cd / && exec " + privilege_wrapper(ssh_user, become, run_as) + "sh -c " +
           shell_quote(script);
}

std::string locked_command_line(std::string_view ssh_user, Become become, RunAs run_as,
                                std::string_view script) {
    const bool privileged = ssh_user == "root" || become == Become::Auto;
    const std::string dir = privileged ? kHostLockDir : kUserLockDir;
    const std::string inner =
        privileged && run_as == RunAs::Postgres ? "runuser -u postgres -- " : std::string();
    return "cd / && exec " + privilege_wrapper(ssh_user, become, RunAs::Admin) + "flock -s -o " +
           dir + "/active " + inner + "sh -c " + shell_quote(script);
}

namespace {

/// The directory part of an absolute path ("/" for "/x").
std::string_view dir_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

/// The last component of a path.
std::string_view base_of(std::string_view path) {
    return path.substr(path.rfind('/') + 1);
}

}  // namespace

std::string write_file_script(const FileSpec& file) {
    const std::string_view dir = dir_of(file.path);
    const std::string tmp_template =
        std::string(dir == "/" ? "" : dir) + "/." + std::string(base_of(file.path)) + ".XXXXXX";
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(file.mode) & 07777U);
    const std::string path = shell_quote(file.path);
    std::string script;
    script += "set -e\n";
    script +=
        "if [ -d " + path + " ]; then printf '%s is a directory\\n' " + path + " >&2; exit 1; fi\n";
    script += "tmp=$(mktemp " + shell_quote(tmp_template) + ")\n";
    script += "trap 'rm -f -- \"$tmp\"' EXIT\n";
    script += "cat > \"$tmp\"\n";
    script += "chown -- " + shell_quote(file.owner + ":" + file.group) + " \"$tmp\"\n";
    script += "chmod -- " + std::string(mode) + " \"$tmp\"\n";
    script += "mv -f -- \"$tmp\" " + path + "\n";
    script += "trap - EXIT\n";
    return script;
}

std::string read_file_script(std::string_view path) {
    const std::string quoted = shell_quote(path);
    return "if [ -e " + quoted + " ]; then exec cat -- " + quoted + "; else exit " +
           std::to_string(kReadFileMissingStatus) + "; fi";
}

std::optional<Error> sudo_failure(WrapperKind wrapper, const CommandResult& result,
                                  const std::string& host, const std::string& purpose,
                                  std::string_view ssh_user) {
    if (wrapper != WrapperKind::Sudo || result.signal) {
        return std::nullopt;
    }
    const std::string& err = result.err;
    const auto has = [&err](std::string_view needle) {
        return err.find(needle) != std::string::npos;
    };
    const std::string user(ssh_user);
    const std::string hint = "give " + user +
                             " passwordless sudo (a NOPASSWD rule in /etc/sudoers.d) or use "
                             "ssh.user: root";
    if (result.exit_status == 1 &&
        (has("sudo: a password is required") || has("sudo: a terminal is required"))) {
        return make_host_error(ErrorKind::Sudo, host, purpose,
                               "sudo -n refused: a password is required for " + user, hint);
    }
    if (result.exit_status == 1 &&
        (has("is not in the sudoers file") || has("is not allowed to execute"))) {
        return make_host_error(ErrorKind::Sudo, host, purpose,
                               "sudo refused: " + user + " may not run this command with sudo",
                               hint);
    }
    if (result.exit_status == 127 && (has("sudo: not found") || has("sudo: command not found"))) {
        return make_host_error(
            ErrorKind::Sudo, host, purpose,
            "sudo is not installed on the host (needed because ssh.user is " + user + ")",
            "install sudo, or use ssh.user: root");
    }
    return std::nullopt;
}

std::string expand_home(std::string_view path) {
    if (path != "~" && !path.starts_with("~/")) {
        return std::string(path);
    }
    std::string home;
    if (const char* env = std::getenv("HOME"); env != nullptr && *env != '\0') {
        home = env;
    } else {
        std::vector<char> buffer(16384);
        passwd entry{};
        passwd* found = nullptr;
        if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
            found != nullptr && found->pw_dir != nullptr) {
            home = found->pw_dir;
        }
    }
    return home + std::string(path.substr(1));
}

std::string one_line(std::string_view text, std::size_t max_chars) {
    std::string line;
    for (char c : text) {
        if (line.size() >= max_chars) {
            line += "...";
            break;
        }
        if (c == '\n') {
            line += "\\n";
        } else {
            line.push_back(c);
        }
    }
    return line;
}

std::string summarize_stderr(std::string_view err) {
    const auto first = err.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return "(no error output)";
    }
    const auto last = err.find_last_not_of(" \t\r\n");
    std::string summary;
    for (char c : err.substr(first, last - first + 1)) {
        if (summary.size() >= 300) {
            summary += "...";
            break;
        }
        if (c == '\n') {
            summary += " | ";
        } else if (c != '\r') {
            summary.push_back(c);
        }
    }
    return summary;
}

}  // namespace pgrepl
