#include "lab.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "pgrepl/exec/ssh_executor.hpp"
#include "pgrepl/inventory/load.hpp"

extern char** environ;

namespace pgrepl::e2e {

namespace {

/// Shortens a captured stream for an assertion message.
std::string excerpt(const std::string& text) {
    constexpr std::size_t limit = 2000;
    return text.size() <= limit
               ? text
               : text.substr(0, limit) + "...(" + std::to_string(text.size()) + " bytes)";
}

/// A pipe whose ends are closed on destruction.
struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() {
        if (pipe2(fds, O_CLOEXEC) != 0) {
            throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
        }
    }
    ~Pipe() {
        close_end(0);
        close_end(1);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_end(int end) {
        if (fds[end] >= 0) {
            ::close(fds[end]);
            fds[end] = -1;
        }
    }
};

/// Pumps stdin_data into `in` while draining `out` and `err` until both reach end of file.
void pump(Pipe& in, Pipe& out, Pipe& err, std::string_view stdin_data, ProcessResult& result) {
    std::size_t written = 0;
    if (stdin_data.empty()) {
        in.close_end(1);
    } else {
        fcntl(in.fds[1], F_SETFL, O_NONBLOCK);
    }
    char buffer[65536];
    while (out.fds[0] >= 0 || err.fds[0] >= 0) {
        pollfd fds[3] = {{out.fds[0], POLLIN, 0}, {err.fds[0], POLLIN, 0}, {in.fds[1], POLLOUT, 0}};
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                (i == 0 ? out : err).close_end(0);
            }
        }
        if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            const ssize_t n =
                ::write(in.fds[1], stdin_data.data() + written, stdin_data.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_data.size()) {
                in.close_end(1);
            }
        }
    }
    in.close_end(1);
}

/// Spawns argv[0] (looked up in PATH) with `actions` (destroyed here): 0 and `pid`, or the
/// error number.
int spawn(const std::vector<std::string>& argv, posix_spawn_file_actions_t& actions, pid_t& pid) {
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

/// Waits for `pid` (retrying on EINTR); false when it is still running (with WNOHANG).
bool reap_child(pid_t pid, int options, int& status) {
    pid_t done = -1;
    while ((done = waitpid(pid, &status, options)) < 0 && errno == EINTR) {
    }
    return done == pid;
}

/// The exit status of a reaped child, or 128 + N when signal N killed it.
int exit_code_of(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string ProcessResult::describe() const {
    return "exit " + std::to_string(exit_code) + "\n--- stdout:\n" + excerpt(out) +
           "\n--- stderr:\n" + excerpt(err);
}

std::string lab_dir() {
    const char* env = std::getenv("PGREPL_LAB_DIR");
    return env != nullptr && *env != '\0' ? std::string(env) : std::string("/var/tmp/pgrepl-lab");
}

std::string lab_path(std::string_view name) {
    return lab_dir() + "/" + std::string(name);
}

bool in_control_namespace() {
    struct stat self {};
    struct stat ctl {};
    return ::stat("/proc/self/ns/net", &self) == 0 && ::stat("/run/netns/pgrepl-ctl", &ctl) == 0 &&
           self.st_ino == ctl.st_ino && self.st_dev == ctl.st_dev;
}

ProcessResult run_local(const std::vector<std::string>& argv, std::string_view stdin_data) {
    static const bool sigpipe_ignored = [] {
        ::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)sigpipe_ignored;
    ProcessResult result;
    const auto start = std::chrono::steady_clock::now();
    Pipe in;
    Pipe out;
    Pipe err;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.fds[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out.fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err.fds[1], 2);
    pid_t pid = -1;
    const int rc = spawn(argv, actions, pid);
    if (rc != 0) {
        result.exit_code = 127;
        result.err = "cannot run " + argv[0] + ": " + std::strerror(rc);
        return result;
    }
    in.close_end(0);
    out.close_end(1);
    err.close_end(1);
    pump(in, out, err, stdin_data, result);
    int status = 0;
    reap_child(pid, 0, status);
    result.exit_code = exit_code_of(status);
    result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return result;
}

ProcessResult run_pgrepl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{PGREPL_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_local(argv);
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv)
    : start_(std::chrono::steady_clock::now()) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    const std::string out = dir_.file("stdout");
    const std::string err = dir_.file("stderr");
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    const int rc = spawn(argv, actions, pid);
    if (rc != 0) {
        reaped_ = true;
        result_.exit_code = 127;
        result_.err = "cannot run " + argv[0] + ": " + std::strerror(rc);
        return;
    }
    pid_ = pid;
}

BackgroundProcess::~BackgroundProcess() {
    if (reaped_) return;
    ::kill(pid_, SIGKILL);
    reap(0);
}

std::string BackgroundProcess::output() const {
    return read_local_file(dir_.file("stdout")) + read_local_file(dir_.file("stderr"));
}

bool BackgroundProcess::reap(int options) {
    if (reaped_) return true;
    int status = 0;
    if (!reap_child(pid_, options, status)) return false;
    reaped_ = true;
    result_.exit_code = exit_code_of(status);
    result_.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start_);
    result_.out = read_local_file(dir_.file("stdout"));
    result_.err = read_local_file(dir_.file("stderr"));
    return true;
}

bool BackgroundProcess::wait_for_output(std::string_view text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const bool ended = !running();
        if (output().find(text) != std::string::npos) return true;
        if (ended || std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool BackgroundProcess::running() {
    return !reap(WNOHANG);
}

void BackgroundProcess::send(int signal_number) {
    if (running()) ::kill(pid_, signal_number);
}

ProcessResult BackgroundProcess::wait() {
    reap(0);
    return result_;
}

std::unique_ptr<BackgroundProcess> start_pgrepl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{PGREPL_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<BackgroundProcess>(argv);
}

ProcessResult run_lab(const std::vector<std::string>& args) {
    std::vector<std::string> argv{PGREPL_LAB_SCRIPT};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_local(argv);
}

ProcessResult lab_shell(const std::string& host, const std::string& script) {
    return run_lab({"exec", host, "sh", "-c", script});
}

Inventory lab_inventory() {
    InventoryLoad load = load_inventory(lab_path("inventory.yaml"));
    if (!load.ok()) {
        std::string all;
        for (const InventoryDiagnostic& d : load.diagnostics) all += d.to_string() + "\n";
        ADD_FAILURE() << "the lab inventory does not load:\n" << all;
        return {};
    }
    return std::move(load.inventory);
}

Host lab_host(const std::string& name) {
    const Inventory inventory = lab_inventory();
    if (const Host* host = inventory.find_host(name)) {
        return *host;
    }
    ADD_FAILURE() << "no host " << name << " in the lab inventory";
    return {};
}

std::string explain(const Error& error) {
    std::string text = std::string(to_string(error.kind)) + ": " + describe(error);
    if (!error.hint.empty()) text += " (hint: " + error.hint + ")";
    return text;
}

std::unique_ptr<Executor> connect_or_fail(const Host& host) {
    Result<std::unique_ptr<Executor>> connected = connect_ssh(host);
    if (!connected) {
        ADD_FAILURE() << "cannot connect to " << host.name << ": " << explain(connected.error());
        return nullptr;
    }
    return std::move(connected).value();
}

CommandResult run_or_fail(Executor& executor, const std::string& script, RunAs run_as,
                          std::string stdin_data) {
    Command command;
    command.script = script;
    command.run_as = run_as;
    command.stdin_data = std::move(stdin_data);
    command.purpose = "e2e test";
    Result<CommandResult> result = executor.run(command);
    if (!result) {
        ADD_FAILURE() << executor.host_name() << ": cannot run `" << script
                      << "`: " << explain(result.error());
        CommandResult failed;
        failed.exit_status = -1;
        return failed;
    }
    return std::move(result).value();
}

TempDir::TempDir() {
    std::string pattern = "/tmp/pgrepl-e2e.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void write_local_file(const std::string& path, std::string_view content) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    file.close();
    ASSERT_TRUE(file.good()) << "cannot write " << path;
}

std::string read_local_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream content;
    content << file.rdbuf();
    return content.str();
}

}  // namespace pgrepl::e2e
