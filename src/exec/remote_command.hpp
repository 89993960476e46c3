// The text of remote commands (no libssh here, so every piece is unit-testable): privilege
// wrappers, the atomic file write and the file read, sudo failure detection, path expansion.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// The exit status of read_file_script() when the file does not exist.
inline constexpr int kReadFileMissingStatus = 3;

/// Whether a privilege wrapper runs sudo (sudo failures are then detected).
enum class WrapperKind { None, Runuser, Sudo };

/// The privilege wrapper put before `sh -c` for `run_as`, given the SSH user and the become policy:
/// root: Admin nothing, Postgres `runuser -u postgres --`; another user with become auto: Admin
/// `sudo -n --`, Postgres `sudo -n -u postgres --`; become never: nothing (the command runs as the
/// SSH user). Empty, or the words followed by one space.
std::string privilege_wrapper(std::string_view ssh_user, Become become, RunAs run_as);

/// What privilege_wrapper() returns for these arguments, as a kind.
WrapperKind wrapper_kind(std::string_view ssh_user, Become become, RunAs run_as);

/// The whole remote command line: `cd / && exec <wrapper>sh -c <quoted script>`.
std::string remote_command_line(std::string_view ssh_user, Become become, RunAs run_as,
                                std::string_view script);

/// The command line of a command run while this session holds the host lock
/// (docs/locking.md): `cd / && exec <admin wrapper>flock -s -o <lock dir>/active <runuser -u
/// postgres -- >sh -c <quoted script>`. The shared lock on `active` lasts as long as the
/// command (not its daemons: -o), and the lock script, once its session ends, waits for an
/// exclusive one before it lets the host lock go: a command of a run that died keeps the host
/// until it ends. The lock dir is kHostLockDir, or kUserLockDir for a non-root SSH user with
/// become never.
std::string locked_command_line(std::string_view ssh_user, Become become, RunAs run_as,
                                std::string_view script);

/// A script that writes its standard input atomically to `file.path`: a temporary file in the
/// same directory, chown, chmod, then `mv -f` over the path. The path must be absolute.
std::string write_file_script(const FileSpec& file);

/// A script that prints the file at `path`, or exits with kReadFileMissingStatus when it does not
/// exist (a dangling symbolic link counts as missing).
std::string read_file_script(std::string_view path);

/// When a command that went through sudo failed because of sudo itself (a password is required,
/// the user may not use sudo, sudo is not installed): the Error (kind Sudo) for it, on `host`
/// with the command's `purpose` as its step.
std::optional<Error> sudo_failure(WrapperKind wrapper, const CommandResult& result,
                                  const std::string& host, const std::string& purpose,
                                  std::string_view ssh_user);

/// `path` with a leading "~/" (or a lone "~") replaced by $HOME (the passwd entry without HOME).
std::string expand_home(std::string_view path);

/// The first `max_chars` characters of `text` on one line (a newline shown as a backslash and n),
/// for logs.
std::string one_line(std::string_view text, std::size_t max_chars);

/// A short summary of a failed command's standard error for an error message: trimmed, on one
/// line, at most about 300 characters; "(no error output)" when empty.
std::string summarize_stderr(std::string_view err);

}  // namespace pgrepl
