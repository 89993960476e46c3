// A step: one idempotent piece of setup on one host: check, apply, check again.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/pg/paths.hpp"

namespace pgrepl {

/// Whether dangerous replacements are allowed.
enum class Force {
    No,   ///< refuse to replace a data directory holding a primary or foreign data
    Yes,  ///< --force: replace it anyway
};

/// What a check found.
enum class CheckState {
    Done,      ///< nothing to do
    Needed,    ///< apply would change something (reason and diff say what)
    Conflict,  ///< cannot proceed safely or sensibly (hint says what to do)
};

/// The outcome of a check.
struct Check {
    CheckState state = CheckState::Done;  ///< done, needed or conflict
    std::string reason;                   ///< one line: why
    std::string diff;                     ///< before/after diff of what apply would change
    std::string hint;                     ///< for conflicts: what the user can do
    /// A conflict's kind: Conflict, or Refused when refused for safety (exit_code_for says 3).
    ErrorKind conflict_kind = ErrorKind::Conflict;

    /// Nothing to do.
    static Check done(std::string reason = {}) {
        return Check{CheckState::Done, std::move(reason), {}, {}, ErrorKind::Conflict};
    }
    /// Something to change.
    static Check needed(std::string reason, std::string diff = {}) {
        return Check{
            CheckState::Needed, std::move(reason), std::move(diff), {}, ErrorKind::Conflict};
    }
    /// Cannot proceed; `kind` ErrorKind::Refused for a refusal for safety.
    static Check conflict(std::string reason, std::string hint,
                          ErrorKind kind = ErrorKind::Conflict) {
        return Check{CheckState::Conflict, std::move(reason), {}, std::move(hint), kind};
    }
};

class CloneGate;

/// Facts about the other hosts, gathered before anything changed (read-only for steps), and
/// what the hosts of one run share.
struct ClusterView {
    std::map<std::string, HostFacts> facts;  ///< host name → facts (reachable hosts only)
    /// The link to the WAL archive host (replication.archive method ssh), shared by every
    /// host's archive step (each lock()s it while using it; a dry-run guard in check mode);
    /// nullptr when not archiving over SSH.
    HostLink* archive_host = nullptr;
    /// How many clones may stream from each upstream at once (setup's); nullptr: no limit.
    CloneGate* clone_gate = nullptr;
};

/// Everything a step may use on its host. Steps read state from `snapshot` (refreshed by the
/// runner after every apply) and act through `executor`.
struct StepContext {
    const Inventory& inventory;     ///< the whole inventory
    const Host& host;               ///< the host this step acts on
    Executor& executor;             ///< the host's executor (a dry-run guard in check mode)
    const HostSnapshot& snapshot;   ///< the host's state as last gathered
    const ClusterView& cluster;     ///< the other hosts, as first probed
    const ClusterPaths& paths;      ///< the cluster's paths
    const std::string& password;    ///< the replication password (secret)
    RunMode mode = RunMode::Apply;  ///< check or apply
    Force force = Force::No;        ///< --force
};

/// One idempotent step.
class Step {
  public:
    virtual ~Step() = default;
    /// A short name ("settings", "pg_hba").
    virtual std::string_view name() const = 0;
    /// What the step needs gathered in the host's snapshot (files, queries).
    virtual void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                         SnapshotRequest& request) const {
        (void)inventory;
        (void)host;
        (void)paths;
        (void)request;
    }
    /// Decides, from the snapshot, whether anything must change. Read-only.
    virtual Result<Check> check(const StepContext& context) = 0;
    /// Makes the change `check` asked for. Only called in apply mode, after a Needed check.
    virtual Status apply(const StepContext& context, const Check& check) = 0;
};

/// Runs a step's command and turns a non-zero exit into an Error `host: step: purpose failed
/// (exit N): why` (why: stderr's first error line, else its last line; stdout's last line when
/// stderr is empty and the output is not secret).
Result<CommandResult> run_checked(const StepContext& context, std::string_view step,
                                  Command command);

}  // namespace pgrepl
