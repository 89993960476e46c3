// cluster: the postgresql-common cluster V/NAME exists on the inventory's port and runs.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/steps/steps.hpp"
#include "replica_decide.hpp"

namespace pgrepl {
namespace {

enum class ClusterAction { None, Create, SetPort, Start, LeaveToRewind, LeaveToFirstStart };

// A stopped replica host that the replica step rewinds with pg_rewind (it reads the same
// snapshot: the chain's requests are merged): it must stay stopped until then.
bool replica_step_rewinds(const StepContext& context) {
    return context.host.role == Role::Replica && !context.snapshot.facts.cluster_running &&
           steps::replica_decision(context).action == ReplicaAction::Rewind;
}

ClusterAction decide(const StepContext& context) {
    const auto& facts = context.snapshot.facts;
    if (!facts.cluster_exists) return ClusterAction::Create;
    if (facts.cluster_port != 0 && facts.cluster_port != context.host.postgres.port)
        return ClusterAction::SetPort;
    // A stopped cluster that is not a standby is left to the replica step on a replica host:
    // starting it could bring up a second primary, and an empty data directory (a clone
    // interrupted right after the wipe) cannot start at all: the replica step clones into it.
    const bool may_start = context.host.role == Role::Primary || facts.standby_signal;
    // A primary created by this step (or by a run killed after it) starts once, in the restart
    // step, with its managed settings and pg_hba written: not now and again after them.
    if (!facts.cluster_running && context.host.role == Role::Primary && facts.never_started)
        return ClusterAction::LeaveToFirstStart;
    if (!facts.cluster_running && may_start) {
        return replica_step_rewinds(context) ? ClusterAction::LeaveToRewind : ClusterAction::Start;
    }
    return ClusterAction::None;
}

class ClusterStep final : public Step {
  public:
    std::string_view name() const override { return "cluster"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.files.push_back(paths.fence_file);
        // Whether the replica step will rewind the host (asked again by it: asked once).
        if (host.role == Role::Replica) steps::replica_request(inventory, host, paths, request);
    }

    Result<Check> check(const StepContext& context) override {
        const auto& pg = context.host.postgres;
        const auto label = fmt::format("{}/{}", pg.version.to_string(), pg.cluster_name);
        if (auto fence = context.snapshot.file(context.paths.fence_file)) {
            const bool replica = context.host.role == Role::Replica;
            if (replica && context.force == Force::Yes)
                return Check::done(
                    fmt::format("{} is fenced; --force: the replica step re-clones it", label));
            if (replica_step_rewinds(context))
                return Check::done(
                    fmt::format("{} is fenced: the replica step rewinds it with pg_rewind", label));
            std::string hint =
                "make it a replica of the new primary: set its role to replica in the inventory "
                "and run pgrepl setup --limit " +
                context.host.name + " (pg_rewind rejoins it; --force re-clones it)";
            if (replica) {
                const auto decision = steps::replica_decision(context);
                hint = "the replica step cannot rewind it: " + decision.reason +
                       (decision.hint.empty() ? "" : "; " + decision.hint);
            }
            return Check::conflict(
                fmt::format(
                    "{} was fenced by pgrepl promote ({}): it must not run as a primary again",
                    label, fence->substr(0, fence->find('\n'))),
                hint, ErrorKind::Refused);
        }
        switch (decide(context)) {
            case ClusterAction::Create:
                return Check::needed(
                    fmt::format("create cluster {} on port {} (pg_createcluster){}", label, pg.port,
                                context.host.role == Role::Primary
                                    ? "; it starts once its settings are written (restart step)"
                                    : " and start it"),
                    fmt::format("+ cluster {} port {}\n", label, pg.port));
            case ClusterAction::SetPort:
                return Check::needed(
                    fmt::format("move cluster {} from port {} to {} (restart)", label,
                                context.snapshot.facts.cluster_port, pg.port),
                    fmt::format("- port = {}\n+ port = {}\n", context.snapshot.facts.cluster_port,
                                pg.port));
            case ClusterAction::Start:
                return Check::needed(fmt::format("start cluster {}", label));
            case ClusterAction::LeaveToFirstStart:
                return Check::done(fmt::format(
                    "{} created, never started: it starts with its settings (restart step)",
                    label));
            case ClusterAction::LeaveToRewind:
                return Check::done(fmt::format(
                    "{} stopped: left to the replica step, which rewinds it with pg_rewind",
                    label));
            case ClusterAction::None:
                break;
        }
        if (!context.snapshot.facts.cluster_running) {
            return Check::done(
                fmt::format("{} stopped and not a standby: left to the replica step", label));
        }
        return Check::done(fmt::format("{} running on port {}", label, pg.port));
    }

    Status apply(const StepContext& context, const Check&) override {
        const auto words = steps::cluster_words(context.host);
        switch (decide(context)) {
            case ClusterAction::Create: {
                Command command;
                // On a replica host the new cluster only carries the configuration: the
                // replica step replaces its data with a base backup, so initdb need not sync.
                // A primary is not started here: the restart step starts it once, with its
                // settings and pg_hba in place.
                const bool replica = context.host.role == Role::Replica;
                command.script =
                    fmt::format("pg_createcluster {}-p {} {}{}", replica ? "--start " : "",
                                context.host.postgres.port, words, replica ? " -- --no-sync" : "");
                command.mutation = Mutation::Mutating;
                command.purpose = "pg_createcluster";
                auto result = steps::run_checked(context, name(), std::move(command));
                if (!result) return result.error();
                return ok_status();
            }
            case ClusterAction::SetPort: {
                Command command;
                command.script =
                    fmt::format("pg_conftool {} set port {}", words, context.host.postgres.port);
                command.mutation = Mutation::Mutating;
                command.purpose = "set the port";
                auto result = steps::run_checked(context, name(), std::move(command));
                if (!result) return result.error();
                return steps::pg_ctlcluster(
                    context, name(),
                    context.snapshot.facts.cluster_running ? "restart -m fast" : "start");
            }
            case ClusterAction::Start:
                return steps::pg_ctlcluster(context, name(), "start");
            case ClusterAction::LeaveToRewind:
            case ClusterAction::LeaveToFirstStart:
            case ClusterAction::None:
                break;
        }
        return ok_status();
    }
};

}  // namespace

std::unique_ptr<Step> make_cluster_step() {
    return std::make_unique<ClusterStep>();
}

}  // namespace pgrepl
