// Helpers for the end-to-end tests: the lab's files, local processes, and pgrepl itself.
// The tests run inside the lab's control namespace (see tests/e2e/in-lab and scripts/lab).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl::e2e {

/// What a local process did.
struct ProcessResult {
    int exit_code = -1;  ///< exit status, or 128 + signal number when killed by a signal
    std::string out;     ///< standard output
    std::string err;     ///< standard error
    std::chrono::milliseconds duration{0};  ///< wall time

    /// "exit N, stdout: ..., stderr: ..." for assertion messages.
    std::string describe() const;
};

/// The lab directory: $PGREPL_LAB_DIR, else /var/tmp/pgrepl-lab.
std::string lab_dir();

/// A path inside the lab directory.
std::string lab_path(std::string_view name);

/// True when this process runs in the lab's control network namespace.
bool in_control_namespace();

/// Runs argv[0] (looked up in PATH) with the arguments, feeding `stdin_data`, and captures
/// both output streams separately. Never throws for a failing command.
ProcessResult run_local(const std::vector<std::string>& argv, std::string_view stdin_data = {});

/// Runs the pgrepl binary under test with these arguments.
ProcessResult run_pgrepl(const std::vector<std::string>& args);

/// Runs `scripts/lab ARGS...` (exec, rekey, link, stop-host, ...).
ProcessResult run_lab(const std::vector<std::string>& args);

/// Runs a shell script as root inside a lab host, through `scripts/lab exec HOST sh -c SCRIPT`.
ProcessResult lab_shell(const std::string& host, const std::string& script);

/// Loads the lab inventory (lab_path("inventory.yaml")); a failed load fails the calling test
/// with the diagnostics and returns an empty inventory.
Inventory lab_inventory();

/// The named host of the lab inventory (db1, db2, ...); fails the test when it is missing.
Host lab_host(const std::string& name);

/// "kind: message (hint: ...)" for assertion messages.
std::string explain(const Error& error);

/// Connects to the host with pgrepl::connect_ssh; on an error, fails the calling test with the
/// error and returns nullptr.
std::unique_ptr<Executor> connect_or_fail(const Host& host);

/// Runs a read-only command as `run_as` and fails the test when it cannot be run at all.
CommandResult run_or_fail(Executor& executor, const std::string& script,
                          RunAs run_as = RunAs::Admin, std::string stdin_data = {});

/// Runs a cleanup when it goes out of scope (also after a failed ASSERT).
class Restore {
  public:
    /// Runs `action` on destruction.
    explicit Restore(std::function<void()> action) : action_(std::move(action)) {}
    ~Restore() { action_(); }
    Restore(const Restore&) = delete;
    Restore& operator=(const Restore&) = delete;

  private:
    std::function<void()> action_;
};

/// A fresh temporary directory for one test, removed by the destructor.
class TempDir {
  public:
    /// Creates the directory under /tmp.
    TempDir();
    /// Removes the directory and everything in it.
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    /// The directory's path.
    const std::string& path() const { return path_; }
    /// A path inside the directory.
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  private:
    std::string path_;
};

/// A process started in the background, its output going to files, so that a test can watch
/// it and interrupt it at a chosen moment (kill -9 on the control node). The destructor kills
/// it (SIGKILL) and reaps it if it still runs.
class BackgroundProcess {
  public:
    /// Starts argv[0] (looked up in PATH) with the arguments and /dev/null as standard input;
    /// a start that fails is reported by wait() as exit 127.
    explicit BackgroundProcess(const std::vector<std::string>& argv);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    /// Waits until `text` appears in its standard output or error; false when the process
    /// ended without printing it or `timeout` passed.
    bool wait_for_output(std::string_view text, std::chrono::milliseconds timeout);
    /// True while the process runs (not reaped yet).
    bool running();
    /// Sends `signal_number` (SIGKILL, SIGSTOP, SIGCONT...) to it, when it still runs.
    void send(int signal_number);
    /// Waits until it ends and returns what it did (exit code 128 + N when killed by signal N).
    ProcessResult wait();
    /// Its process id (-1 when it could not be started).
    int pid() const { return pid_; }

  private:
    std::string output() const;
    bool reap(int options);

    TempDir dir_;
    int pid_ = -1;
    bool reaped_ = false;
    ProcessResult result_;
    std::chrono::steady_clock::time_point start_;
};

/// Starts the pgrepl binary under test in the background with these arguments.
std::unique_ptr<BackgroundProcess> start_pgrepl(const std::vector<std::string>& args);

/// Writes `content` to `path` (truncating); fails the test when it cannot.
void write_local_file(const std::string& path, std::string_view content);

/// The content of a local file, or "" when it cannot be read.
std::string read_local_file(const std::string& path);

}  // namespace pgrepl::e2e
