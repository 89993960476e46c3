// cluster: the postgresql-common cluster V/NAME exists on the inventory's port and runs.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/patroni.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/util/text.hpp"
#include "replica_decide.hpp"

namespace pgrepl {
namespace {

enum class ClusterAction {
    None,
    Create,
    SetPort,
    Start,
    LeaveToRewind,
    LeaveToFirstStart,
    StartToInspect,
    AwaitConnections
};

// A replica host's stopped cluster that never ran and is not pgrepl's fresh one (a run killed
// inside pg_createcluster, or a cluster created by hand): no backup_label, no clone under way.
// Started once, the replica step can ask it what it holds, as it asks any running server.
bool uninspected_new_cluster(const StepContext& context) {
    const auto& facts = context.snapshot.facts;
    return context.host.role == Role::Replica && !facts.cluster_running && !facts.standby_signal &&
           facts.never_started && !facts.backup_label && facts.data_dir_has_pg_version &&
           facts.basebackup_pids.empty() && !context.snapshot.file(context.paths.clone_marker) &&
           !steps::fresh_created(context);
}

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
    if (uninspected_new_cluster(context)) return ClusterAction::StartToInspect;
    if (!facts.cluster_running && may_start) {
        return replica_step_rewinds(context) ? ClusterAction::LeaveToRewind : ClusterAction::Start;
    }
    // Running but refusing queries (starting up, in crash recovery, a standby not consistent
    // yet: a run killed right after a start): the later steps need its answers.
    if (facts.cluster_running && !context.snapshot.server && !context.snapshot.server_error.empty())
        return ClusterAction::AwaitConnections;
    return ClusterAction::None;
}

// Polls a query every 0.2 s for up to 60 s; a Timeout naming the server's last answer.
Status await_connections(const StepContext& context, std::string_view step) {
    const auto psql = psql_command(context.host, PsqlCommand{}) + " -c 'SELECT 1'";
    Command command;
    command.script = fmt::format(
        "i=0; until {0} >/dev/null 2>&1; do i=$((i+1)); if [ $i -ge 300 ]; then {0} 2>&1 | "
        "grep -v '^$' | head -n 1 >&2; exit 1; fi; sleep 0.2; done",
        psql);
    command.run_as = RunAs::Postgres;
    command.mutation = Mutation::ReadOnly;
    command.purpose = "wait until the server accepts connections";
    auto waited = context.executor.run(command);
    if (!waited) return waited.error();
    if (!waited->success()) {
        return make_host_error(ErrorKind::Timeout, context.host.name, std::string(step),
                               "the server runs but did not accept connections within 60 s: " +
                                   std::string(trim(waited->err)),
                               "see the server log (" + context.paths.log_file +
                                   "); a standby accepts connections once it is consistent");
    }
    return ok_status();
}

class ClusterStep final : public Step {
  public:
    std::string_view name() const override { return "cluster"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.files.push_back(paths.fence_file);
        request.first_lines.push_back(patroni_config_path(host));
        // Whether the replica step will rewind the host (asked again by it: asked once).
        if (host.role == Role::Replica) steps::replica_request(inventory, host, paths, request);
    }

    Result<Check> check(const StepContext& context) override {
        const auto& pg = context.host.postgres;
        const auto label = fmt::format("{}/{}", pg.version.to_string(), pg.cluster_name);
        // After pgrepl handoff patroni, Patroni runs the cluster: setup's standby files, starts
        // and restarts would fight it.
        if (context.snapshot.first_line_of(patroni_config_path(context.host))) {
            return Check::conflict(
                fmt::format("Patroni manages {} since pgrepl handoff patroni ({} exists)", label,
                            patroni_config_path(context.host)),
                "change its settings with patronictl edit-config; pgrepl verify, handoff and "
                "switchover still work (docs/patroni.md)",
                ErrorKind::Refused);
        }
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
                                    : ", not started: the replica step replaces it with a clone"),
                    fmt::format("+ cluster {} port {}\n", label, pg.port));
            case ClusterAction::SetPort:
                return Check::needed(
                    fmt::format("move cluster {} from port {} to {} (restart)", label,
                                context.snapshot.facts.cluster_port, pg.port),
                    fmt::format("- port = {}\n+ port = {}\n", context.snapshot.facts.cluster_port,
                                pg.port));
            case ClusterAction::Start:
                return Check::needed(fmt::format("start cluster {}", label));
            case ClusterAction::StartToInspect:
                return Check::needed(fmt::format(
                    "start cluster {}: it never ran and pgrepl did not create it empty; the "
                    "replica step asks it what it holds",
                    label));
            case ClusterAction::AwaitConnections:
                return Check::needed(
                    fmt::format("wait until {} accepts connections (it answered: {})", label,
                                context.snapshot.server_error));
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
                // A replica's new cluster is not started either: in the same command the
                // fresh marker records its system identifier, and the replica step clones over
                // it without a throwaway start.
                const bool replica = context.host.role == Role::Replica;
                command.script =
                    fmt::format("pg_createcluster -p {} {}", context.host.postgres.port, words);
                if (replica) {
                    command.script += fmt::format(
                        " -- --no-sync && id=$(LC_ALL=C /usr/lib/postgresql/{}/bin/pg_controldata "
                        "{} | sed -n 's/^Database system identifier: *//p') && [ -n \"$id\" ] && "
                        "printf '%s\\n' \"$id\" > {}",
                        shell_quote(context.host.postgres.version.to_string()),
                        shell_quote(context.paths.data_dir),
                        shell_quote(context.paths.fresh_marker));
                }
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
            case ClusterAction::StartToInspect:
                return steps::pg_ctlcluster(context, name(), "start");
            case ClusterAction::AwaitConnections:
                return await_connections(context, name());
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
