// Running a chain of steps on one host: check, apply, check again; one report per step.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/engine/step.hpp"

namespace pgrepl {

/// The result of one step on one host.
enum class StepStatus {
    Ok,       ///< already as wanted
    Changed,  ///< changed (in check mode: would change)
    Failed,   ///< failed or conflicted
    Skipped,  ///< not run (an earlier step or a dependency failed)
};

/// "ok", "changed", "failed", "skipped".
const char* to_string(StepStatus status);

/// What happened to one step on one host.
struct StepReport {
    std::string host;                       ///< host name
    std::string step;                       ///< step name
    StepStatus status = StepStatus::Ok;     ///< outcome
    std::string reason;                     ///< one line
    std::string diff;                       ///< what changed or would change
    std::string hint;                       ///< what to do about a failure
    std::optional<ErrorKind> failure;       ///< a failed step's error kind (Refused: for safety)
    std::chrono::milliseconds duration{0};  ///< wall time of the step
    /// The error the step failed with, as returned (its host and step may be another host's);
    /// nullopt for a conflict or a step that did not fail.
    std::optional<Error> error;

    /// True when the step failed as a refusal for safety.
    bool refused() const { return failure == ErrorKind::Refused; }
};

/// The report of `step` on `host` that failed with `error`: the reason is describe(error), the
/// hint and failure kind are the error's, and the error is kept.
StepReport failed_report(std::string host, std::string step, const Error& error);

/// A report of something that is no step's check (a refusal of the whole run, a skipped host,
/// a cluster-wide check): `failure` is kept only when `status` is Failed.
StepReport pseudo_report(std::string host, std::string step, StepStatus status, std::string reason,
                         std::string hint = {}, ErrorKind failure = ErrorKind::Conflict);

/// Receives each report as soon as its step finished (called from the host's thread).
using ReportSink = std::function<void(const StepReport&)>;

/// What a chain needs besides its steps.
struct ChainInput {
    const Inventory& inventory;     ///< the inventory
    const Host& host;               ///< the host
    Executor& executor;             ///< its executor (a dry-run guard in check mode)
    const ClusterView& cluster;     ///< what other hosts are
    const std::string& password;    ///< the replication password
    RunMode mode = RunMode::Apply;  ///< check or apply
    Force force = Force::No;        ///< --force
    std::optional<HostSnapshot>
        initial;  ///< a snapshot already taken with chain_request(), if still valid
};

/// What a chain did.
struct ChainResult {
    std::vector<StepReport> reports;  ///< one per step, in order
    HostFacts final_facts;            ///< the host's facts after the last step
    bool failed = false;              ///< a step failed (later ones were skipped)
};

/// What the chain's steps need gathered (the union of their requests).
SnapshotRequest chain_request(const std::vector<std::unique_ptr<Step>>& steps,
                              const Inventory& inventory, const Host& host);

/// Runs the steps in order on one host. One snapshot round trip first, then per step: check;
/// if needed and in apply mode: apply, gather again, check again (still needed → failed). A
/// failed step skips the rest of the chain.
ChainResult run_chain(const std::vector<std::unique_ptr<Step>>& steps, const ChainInput& input,
                      const ReportSink& sink);

}  // namespace pgrepl
