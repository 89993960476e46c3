// libssh plumbing shared by the SSH executor's files (private to src/exec/; the only header of
// the project that includes libssh).
#pragma once

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "exec/remote_command.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// Calls ssh_init() once per process (thread-safe).
void ensure_ssh_initialized();

/// An open libssh session: disconnected and freed on destruction. Its address is stable (the
/// session keeps a pointer to `callbacks`).
struct SshConnection {
    ssh_session session = nullptr;     ///< the libssh session
    ssh_callbacks_struct callbacks{};  ///< session callbacks (a passphrase prompt that refuses)
    std::string host_key;              ///< the server's verified key, `TYPE BASE64`

    SshConnection();
    ~SshConnection();
    SshConnection(const SshConnection&) = delete;
    SshConnection& operator=(const SshConnection&) = delete;
};

/// Creates a session for `host`, sets its options (~/.ssh/config first, explicit options and
/// strict host key checking re-applied after it), connects, verifies the host key and
/// authenticates.
Result<std::unique_ptr<SshConnection>> open_ssh_connection(const Host& host);

/// Verifies the server's host key of a connected session against `known_hosts` (already
/// expanded) according to host.ssh.host_key_checking; records a new key under accept-new.
/// Returns the verified key as `TYPE BASE64`.
Result<std::string> verify_host_key(ssh_session session, const Host& host,
                                    const std::string& known_hosts);

/// Authenticates a connected session: none, ssh-agent (when SSH_AUTH_SOCK is set), the identity
/// file (already expanded), then the default keys.
Status authenticate(ssh_session session, const Host& host,
                    const std::optional<std::string>& identity_file);

/// What a command run on a channel did (before privilege-failure interpretation).
struct ChannelOutcome {
    std::optional<int> exit_status;     ///< the exit status, when the server sent one
    std::optional<std::string> signal;  ///< the signal name, when killed by one
    std::string out;                    ///< standard output
    std::string err;                    ///< standard error
};

/// Called with each new piece of standard error while the command runs (may be empty).
using StderrObserver = std::function<void(std::string_view)>;

/// Runs `command_line` on a new channel of `session`, sends `stdin_data` then EOF, and collects
/// both output streams until the command ends; `on_stderr` sees standard error as it arrives
/// (called from this thread, outside libssh, at least every 200 ms while there is new output).
/// Error (kind Connect) when the connection fails, on `host` with the command's `purpose` as
/// its step.
Result<ChannelOutcome> run_on_channel(ssh_session session, const std::string& command_line,
                                      std::string_view stdin_data, const std::string& host,
                                      const std::string& purpose, const StderrObserver& on_stderr);

/// Who takes a host lock, for its errors.
struct LockContext {
    std::string host;      ///< the inventory host
    WrapperKind wrapper;   ///< the privilege wrapper of the command line (sudo failures)
    std::string ssh_user;  ///< the SSH user (for the sudo hint)
};

/// Runs the lock script `command_line` (host_lock_script() under its wrapper) on a channel of
/// its own and reads its verdict: the lock (a HeldLock that keeps the channel open; it must be
/// destroyed before the session), or the holder. Error kind Connect when the connection fails,
/// Sudo when sudo refused, Remote when the script could not open the lock.
Result<LockOutcome> hold_lock_on_session(ssh_session session, const std::string& command_line,
                                         const LockRequest& request, const LockContext& context);

/// The SHA256 fingerprint of a key ("SHA256:..."), or "(unknown fingerprint)".
std::string key_fingerprint(ssh_key key);

/// The key's type name ("ssh-ed25519").
std::string key_type(ssh_key key);

/// libssh's last error text for the session ("unknown error" when empty).
std::string last_ssh_error(ssh_session session);

}  // namespace pgrepl
