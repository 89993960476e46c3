// `pgrepl setup`: run every host's chain of steps, primary first, then replicas in waves.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/runner.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/engine/step_printer.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// Options of `pgrepl setup`.
struct SetupOptions {
    RunMode mode = RunMode::Apply;  ///< --check gives RunMode::Check
    Force force = Force::No;        ///< --force
    std::vector<std::string>
        limit;  ///< --limit: only these hosts (their upstreams are checked only)
    ShowDiffs show_diffs = ShowDiffs::No;  ///< print diffs of changes (-v)
    /// --wait-lock: how long to wait for the host lock of another run (docs/locking.md).
    std::chrono::seconds wait_lock{0};
};

/// What a setup run did: every step report in the order they finished, and the exit code.
struct SetupReport {
    std::vector<StepReport> steps;      ///< one per step run (and per refused or skipped host)
    ExitCode exit_code = ExitCode::Ok;  ///< what the process exits with
};

/// Runs setup and returns its report; each step's line is printed to `out` as it finishes
/// (engine/step_printer.hpp), then a recap. Exit code: 0 all ok/changed, 1 a step
/// failed or a host was unreachable, 2 bad --limit or password source (before any host is
/// contacted), 3 refused for safety (drift, guard, the host lock of another run). In apply mode
/// the host lock is taken on every host changed (and the archive host) before any step.
SetupReport run_setup(const Inventory& inventory, const SetupOptions& options,
                      const ExecutorFactory& factory, std::ostream& out);

}  // namespace pgrepl
