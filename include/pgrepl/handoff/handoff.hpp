// `pgrepl handoff patroni`: hand a running pgrepl cluster to Patroni and etcd, in place
// (docs/patroni.md).
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/runner.hpp"
#include "pgrepl/engine/step_printer.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// Options of `pgrepl handoff patroni`.
struct HandoffOptions {
    RunMode mode = RunMode::Apply;         ///< --check gives RunMode::Check
    ShowDiffs show_diffs = ShowDiffs::No;  ///< print diffs of changes (-v)
    /// --wait-lock: how long to wait for the host lock of another run (docs/locking.md).
    std::chrono::seconds wait_lock{0};
};

/// One member as Patroni lists it (patronictl list).
struct PatroniMember {
    std::string name;      ///< the member (the inventory host name)
    std::string role;      ///< Leader, Replica, Sync Standby...
    std::string state;     ///< running, streaming, stopped...
    std::string timeline;  ///< its timeline ("" when unknown)
    std::string lag;       ///< lag in MB ("" for the leader or when unknown)
};

/// What a handoff did.
struct HandoffReport {
    std::vector<StepReport> steps;       ///< every step report, in the order printed
    std::vector<PatroniMember> members;  ///< Patroni's view at the end (apply mode)
    ExitCode exit_code = ExitCode::Ok;   ///< what the process exits with
};

/// Parses `patronictl list -f json` (an array of objects with Member, Role, State, TL and
/// "Lag in MB"); an error when it is not such an array.
Result<std::vector<PatroniMember>> parse_patronictl_list(std::string_view json);

/// Runs the handoff: on every host the packages, etcd on its members and etcd's health, then
/// Patroni's configuration and start.conf, then Patroni on the primary and on each standby
/// after it, one at a time. Each step's line goes to `out` as it finishes, then a recap and
/// Patroni's view. Exit code: 0 done, 1 a step failed or a host was unreachable, 2 no patroni
/// section or a password source missing (before any host is contacted), 3 refused for safety
/// (no single running primary, the host lock of another run).
HandoffReport run_handoff(const Inventory& inventory, const HandoffOptions& options,
                          const ExecutorFactory& factory, std::ostream& out);

}  // namespace pgrepl
