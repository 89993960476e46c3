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
/// The returned executor reuses this one session for every call and is used by one thread at a time.
Result<std::unique_ptr<Executor>> connect_ssh(const Host& host);

}  // namespace pgrepl
