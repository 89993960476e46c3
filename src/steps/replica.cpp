// replica: the host is a hot standby streaming from its upstream. Guarded (replica_guard):
// only an empty or freshly initialised data directory, or pgrepl's own interrupted clone (its
// clone marker), is ever replaced without --force; a stopped old primary fenced by promote or
// a stopped standby that diverged from its upstream's timeline is rewound with pg_rewind when
// it can be (else refused, re-cloned with --force); a running diverged standby is refused.
#include <fmt/format.h>

#include "pgrepl/steps/replica_guard.hpp"
#include "pgrepl/steps/steps.hpp"
#include "replica_clone.hpp"
#include "replica_decide.hpp"
#include "replica_rewind.hpp"

namespace pgrepl {
namespace {

class ReplicaStep final : public Step {
  public:
    std::string_view name() const override { return "replica"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        steps::replica_request(inventory, host, paths, request);
    }

    Result<Check> check(const StepContext& context) override {
        auto decision = steps::replica_decision(context);
        switch (decision.action) {
            case ReplicaAction::None:
                return Check::done(decision.reason);
            case ReplicaAction::Refuse:
                return Check::conflict(decision.reason, decision.hint, ErrorKind::Refused);
            case ReplicaAction::Wait:
                if (context.mode == RunMode::Check) return Check::needed(decision.reason);
                return Check::conflict(
                    fmt::format("cannot log in to {} for replication: {}",
                                context.inventory.upstream_of(context.host).name, decision.hint),
                    "check the upstream's pg_hba.conf, listen_addresses and the replication "
                    "password");
            case ReplicaAction::FinishClone:
                return Check::needed(decision.reason, "- " + context.paths.clone_marker + "\n");
            case ReplicaAction::Reconfigure:
            case ReplicaAction::Start:
            case ReplicaAction::Clone:
            case ReplicaAction::Rewind:
                break;
        }
        return Check::needed(decision.reason, steps::standby_diff(context));
    }

    Status apply(const StepContext& context, const Check&) override {
        auto decision = steps::replica_decision(context);
        switch (decision.action) {
            case ReplicaAction::Clone:
                return steps::clone_standby(context, name());
            case ReplicaAction::Rewind:
                return steps::rewind_standby(context, name());
            case ReplicaAction::Reconfigure:
                return steps::reconfigure_standby(context, name());
            case ReplicaAction::Start:
                return steps::start_standby(context, name());
            case ReplicaAction::FinishClone: {
                const auto& server = context.snapshot.server;
                const bool streaming = server && server->receiver &&
                                       server->receiver->status == "streaming";
                if (!streaming) {
                    if (auto waited = steps::wait_streaming(context, name()); !waited)
                        return waited;
                }
                return steps::remove_clone_marker(context, name());
            }
            case ReplicaAction::None:
            case ReplicaAction::Refuse:
            case ReplicaAction::Wait:
                break;
        }
        return make_host_error(ErrorKind::Internal, context.host.name, std::string(name()),
                               "nothing to apply (" + decision.reason + ")");
    }
};

}  // namespace

std::unique_ptr<Step> make_replica_step() {
    return std::make_unique<ReplicaStep>();
}

}  // namespace pgrepl
