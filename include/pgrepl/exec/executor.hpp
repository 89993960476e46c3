// The Executor: how pgrepl acts on a host. Implementations: SSH (libssh), a dry-run guard,
// and a scripted fake for unit tests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// Whether a call may change the host. The dry-run guard lets only ReadOnly calls through.
enum class Mutation { ReadOnly, Mutating };

/// The user a remote command runs as.
enum class RunAs {
    Admin,     ///< root (directly, or through sudo -n when the SSH user is not root)
    Postgres,  ///< the postgres operating-system user
};

/// A remote command: a POSIX shell script run by `sh -c` on the host.
struct Command {
    std::string script;      ///< shell text; inventory values must be quoted into it
    std::string stdin_data;  ///< bytes sent to the command's standard input
    Mutation mutation = Mutation::ReadOnly;  ///< whether it may change the host
    RunAs run_as = RunAs::Admin;             ///< the user it runs as
    std::string purpose;                     ///< a short description for logs and errors
    bool secret_stdin = false;               ///< stdin holds a secret: never log it
    bool secret_output = false;              ///< stdout may hold a secret: never log it
    /// Called with each chunk of standard error as it arrives (progress output); may be empty.
    std::function<void(std::string_view)> on_stderr;
};

/// What a remote command did.
struct CommandResult {
    int exit_status = 0;                    ///< exit status, or -1 when killed by a signal
    std::optional<std::string> signal;      ///< the signal's name when killed by one ("KILL")
    std::string out;                        ///< standard output
    std::string err;                        ///< standard error
    std::chrono::milliseconds duration{0};  ///< wall time of the command

    /// True when the command exited with status 0.
    bool success() const { return exit_status == 0 && !signal; }
};

/// A file to write atomically (temporary file in the same directory, then rename).
struct FileSpec {
    std::string path;            ///< absolute path on the host
    std::string content;         ///< the whole content
    int mode = 0644;             ///< permission bits
    std::string owner = "root";  ///< owning user
    std::string group = "root";  ///< owning group
    bool secret = false;         ///< content is secret: never log it
};

/// Counters of what an executor did (for benchmarks and logs).
struct ExecutorStats {
    int connections = 0;  ///< SSH connections opened
    int commands = 0;     ///< remote round trips (commands, file reads and writes)
};

/// What a run asks of the host lock (docs/locking.md): who it is, and how long to wait.
struct LockRequest {
    std::string holder;            ///< one line naming this run, written for a later run to see
    std::chrono::seconds wait{0};  ///< how long to wait while another run holds it (0: not)
};

/// The host lock, held until this is destroyed (or its session ends: then the kernel releases
/// it). It must not outlive the executor that took it.
class HeldLock {
  public:
    virtual ~HeldLock() = default;
};

/// What Executor::hold_lock() found: the lock, or the line of the run that holds it.
struct LockOutcome {
    std::unique_ptr<HeldLock> held;  ///< the lock (nullptr: another run holds it)
    std::string holder;              ///< when not held: that run's line ("" when unknown)
};

/// Runs commands and moves files on one host.
class Executor {
  public:
    virtual ~Executor() = default;

    /// The inventory name of the host this executor acts on.
    virtual const std::string& host_name() const = 0;

    /// Runs a command. An Error means the command could not be run at all (connection, sudo);
    /// a command that ran and failed is a CommandResult with a non-zero status.
    virtual Result<CommandResult> run(const Command& command) = 0;

    /// Writes a file atomically with the given mode and owner.
    virtual Status write_file(const FileSpec& file) = 0;

    /// Reads a file; std::nullopt when it does not exist.
    virtual Result<std::optional<std::string>> read_file(const std::string& path,
                                                         RunAs run_as = RunAs::Admin) = 0;

    /// What this executor did so far.
    virtual ExecutorStats stats() const = 0;

    /// The public host key the host showed this executor's connection, checked against
    /// ssh.known_hosts when it connected, as a known_hosts line writes it: `TYPE BASE64`
    /// ("ssh-ed25519 AAAA..."). Never read from the host's files. An Error for an executor
    /// that has no such key.
    virtual Result<std::string> host_key() const = 0;

    /// Takes the host's pgrepl lock for as long as the returned HeldLock lives, waiting up to
    /// request.wait while another run holds it; a lock still held then is an outcome without
    /// `held`, naming its holder. An Error when the lock could not be tried at all. The default
    /// is an Internal error: an executor that wraps another must forward this call.
    virtual Result<LockOutcome> hold_lock(const LockRequest& request);
};

}  // namespace pgrepl
