// The libssh implementation of Executor (only src/exec/ includes libssh).
#pragma once

#include <memory>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// Connects to a host now: TCP within ssh.connect_timeout, host key verified against
/// ssh.known_hosts (strict unless accept-new, a changed key always refused), then public-key
/// authentication (agent, identity_file, default keys). ~/.ssh/config is parsed first; explicit
/// options and strict host key checking are applied after it so a config line cannot weaken them.
/// The returned executor reuses this one session for every call and is used by one thread at a
/// time.
///
/// Each run() opens a channel and executes `cd / && exec <wrapper>sh -c '<script>'`, where the
/// wrapper is: SSH user root: nothing (Admin) or `runuser -u postgres --` (Postgres); another
/// user with become auto: `sudo -n --` (Admin) or `sudo -n -u postgres --` (Postgres); become
/// never: nothing, so the command runs as the SSH user itself whatever run_as says. sudo asking
/// for a password (or refusing, or missing) is an Error of kind Sudo; a lost connection is kind
/// Connect. A command killed by a signal has `signal` set and exit_status -1 (through runuser,
/// which does not re-raise it, it is exit status 128+N instead). Commands must not leave
/// background processes holding the standard output open (redirect daemons' output), or run()
/// waits for them. write_file() and read_file() are one round trip each; read_file() treats a
/// dangling symbolic link (or a path the user may not look into) as missing.
Result<std::unique_ptr<Executor>> connect_ssh(const Host& host);

}  // namespace pgrepl
