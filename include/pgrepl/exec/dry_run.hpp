// The dry-run guard: lets read-only calls through and treats a mutating call as a bug.
#pragma once

#include <memory>

#include "pgrepl/exec/executor.hpp"

namespace pgrepl {

/// Wraps `inner` (not owned; must outlive the guard). run() with Mutation::ReadOnly and read_file()
/// pass through; run() with Mutation::Mutating, write_file() and hold_lock() (a check takes no
/// lock) throw std::logic_error naming the host and the call's purpose: in plan mode such a call is
/// a bug in pgrepl, and must fail loudly.
std::unique_ptr<Executor> make_dry_run_guard(Executor& inner);

}  // namespace pgrepl
