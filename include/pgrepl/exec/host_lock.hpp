// The host lock's remote side (docs/locking.md): the script that takes it and holds it while
// its channel stays open, and the reader of what that script prints. Pure text, no libssh.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pgrepl/exec/executor.hpp"

namespace pgrepl {

/// The directory of the lock as root: /run/pgrepl (0700, gone at reboot with every lock).
inline constexpr const char* kHostLockDir = "/run/pgrepl";
/// The directory of the lock for another user (become never), as a shell word: one per host
/// name under $HOME/.pgrepl, because a home directory may be shared by many hosts (NFS).
inline constexpr const char* kUserLockDir = "\"$HOME/.pgrepl/$(uname -n)\"";
/// How long a run waits, even without --wait-lock, for the commands still running of a run
/// that ended (its host lock is held until they end: docs/locking.md).
inline constexpr int kDrainSeconds = 45;

/// What the lock script said so far.
struct LockReply {
    /// Where it is.
    enum class State {
        Incomplete,  ///< no verdict yet (maybe a "waiting" line)
        Locked,      ///< the lock is held (the script now waits for its standard input to end)
        Busy,        ///< another run holds it (still after the wait); `holder` names it
    };
    State state = State::Incomplete;  ///< the verdict
    std::string holder;               ///< Busy, or waiting: the holder's line ("" when unknown)
    bool waiting = false;             ///< it said it waits for the holder (`holder` names it)
    bool draining = false;  ///< it waits for the commands of a holder that ended (kDrainSeconds)
};

/// The script that takes the lock: root uses kHostLockDir, another user (become never)
/// kUserLockDir; it opens `lock` there, `flock -n` (then `flock -w` for request.wait), writes
/// request.holder into `holder` beside it and prints "locked", then holds the lock until its
/// standard input ends (the channel closes, or the SSH session dies and the kernel closes it).
/// When another run holds it, it prints "waiting HOLDER" before waiting and "busy HOLDER" when
/// it gives up, and exits 0. request.holder must be one line; it is shell-quoted.
std::string host_lock_script(const LockRequest& request);

/// Reads the lock script's standard output so far (complete lines only).
LockReply read_lock_reply(std::string_view out);

/// `text` on one line of at most 300 characters (control characters as spaces), for a holder.
std::string lock_holder_line(std::string_view text);

}  // namespace pgrepl
