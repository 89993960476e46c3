// replica: the host is a hot standby streaming from its upstream. Guarded (replica_guard):
// only an empty or freshly initialised data directory, or pgrepl's own interrupted clone (its
// clone marker), is ever replaced without --force, and a standby that diverged from its
// upstream's timeline is refused (re-cloned with --force).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/pg/standby.hpp"
#include "pgrepl/pg/timeline.hpp"
#include "pgrepl/steps/replica_guard.hpp"
#include "pgrepl/steps/steps.hpp"
#include "replica_clone.hpp"

namespace pgrepl {
namespace {

constexpr const char* kFreshQuery = "fresh";
constexpr const char* kFreshSql =
    "SELECT (SELECT count(*) FROM pg_database WHERE datname NOT IN "
    "('postgres','template0','template1')), "
    "(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname NOT IN ('pg_catalog','information_schema','pg_toast') AND n.nspname NOT LIKE "
    "'pg_temp%' "
    "AND n.nspname NOT LIKE 'pg_toast_temp%'), (SELECT count(*) FROM pg_roles WHERE oid >= 16384);";

// Where a standby stands: its replay position and timeline (both empty on a primary). The
// timeline is the newest of the WAL receiver's (received_tli), the last restartpoint's, the
// minimum recovery point's and the newest of the WAL segments in pg_wal (a standby receives a
// timeline's WAL only once it follows that timeline): each may lag behind the timeline being
// replayed (the first three do right after the upstream changed, while no receiver runs and no
// restartpoint happened yet), none claims a timeline the standby could not follow, so the
// greatest is the best guess and never claims a divergence that is not there.
constexpr const char* kTimelineQuery = "standby-timeline";

std::string standby_timeline_sql(PgVersion version) {
    return fmt::format(
        "SELECT CASE WHEN pg_is_in_recovery() THEN coalesce({}::text, '') ELSE '' END, "
        "CASE WHEN pg_is_in_recovery() THEN coalesce(greatest("
        "(SELECT max(received_tli) FROM pg_stat_wal_receiver), "
        "(SELECT timeline_id FROM pg_control_checkpoint()), "
        "(SELECT min_recovery_end_timeline FROM pg_control_recovery()), "
        "(SELECT max(('x' || substr(f, 1, 8))::bit(32)::int) FROM pg_ls_dir('{}') AS f "
        "WHERE f ~ '^[0-9A-F]{{24}}$'))::text, '') "
        "ELSE '' END;",
        wal_functions(version).replay, version.number() >= 1000 ? "pg_wal" : "pg_xlog");
}

std::optional<std::uint32_t> timeline_number(std::string_view text) {
    auto number = parse_int(text);
    if (!number || *number <= 0 || *number > 0xFFFFFFFFLL) return std::nullopt;
    return static_cast<std::uint32_t>(*number);
}

std::optional<StandbyTimeline> standby_timeline(const HostSnapshot& snapshot) {
    auto rows = parse_psql_rows(snapshot.query(kTimelineQuery));
    if (rows.size() != 1 || rows[0].size() != 2) return std::nullopt;
    auto lsn = parse_lsn(rows[0][0]);
    auto timeline = timeline_number(rows[0][1]);
    if (!lsn || !timeline) return std::nullopt;
    return StandbyTimeline{*timeline, *lsn};
}

// A stopped standby's timeline and position from pg_control: the minimum recovery point (the
// data files may reflect WAL up to there; after a clean shutdown, where replay ended) or, when
// there is none, the last restartpoint.
std::optional<StandbyTimeline> stopped_standby_timeline(const HostFacts& facts) {
    auto checkpoint = parse_lsn(facts.control_checkpoint);
    auto checkpoint_tli = timeline_number(facts.control_checkpoint_timeline);
    auto min_recovery = parse_lsn(facts.control_min_recovery);
    auto min_recovery_tli = timeline_number(facts.control_min_recovery_timeline);
    if (min_recovery && *min_recovery > 0 && min_recovery_tli &&
        (!checkpoint || *min_recovery >= *checkpoint)) {
        return StandbyTimeline{std::max(*min_recovery_tli, checkpoint_tli.value_or(0)),
                               *min_recovery};
    }
    if (checkpoint && checkpoint_tli) return StandbyTimeline{*checkpoint_tli, *checkpoint};
    return std::nullopt;
}

// The upstream's timeline and history from the replication login; nullopt when unknown.
std::optional<UpstreamTimeline> upstream_timeline(const HostSnapshot::Login& login) {
    auto timeline = timeline_number(login.timeline);
    if (!timeline) return std::nullopt;
    if (*timeline == 1) return UpstreamTimeline{1, {}};
    if (!login.timeline_history) return std::nullopt;
    auto history = parse_timeline_history(*login.timeline_history);
    if (!history) {
        spdlog::debug("replica: upstream timeline history: {}", describe(history.error()));
        return std::nullopt;
    }
    return UpstreamTimeline{*timeline, std::move(history).value()};
}

class ReplicaStep final : public Step {
  public:
    std::string_view name() const override { return "replica"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        const Host& upstream = inventory.upstream_of(host);
        request.files.push_back(paths.standby_conf);
        request.files.push_back(paths.fence_file);
        request.files.push_back(paths.clone_marker);
        request.files.push_back(recovery_conf_path(paths.data_dir));
        request.queries.emplace_back(kFreshQuery, kFreshSql);
        request.queries.emplace_back(kTimelineQuery, standby_timeline_sql(host.postgres.version));
        request.replication_login_conninfo = steps::login_check_conninfo(
            upstream, inventory.replication.user, paths.passfile, steps::LoginKind::Replication);
    }

    Result<Check> check(const StepContext& context) override {
        auto decision = decide(context);
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
                break;
        }
        return Check::needed(decision.reason, steps::standby_diff(context));
    }

    Status apply(const StepContext& context, const Check&) override {
        auto decision = decide(context);
        switch (decision.action) {
            case ReplicaAction::Clone:
                return steps::clone_standby(context, name());
            case ReplicaAction::Reconfigure:
                return steps::reconfigure_standby(context, name());
            case ReplicaAction::Start:
                return steps::start_standby(context, name());
            case ReplicaAction::FinishClone:
                return steps::remove_clone_marker(context, name());
            case ReplicaAction::None:
            case ReplicaAction::Refuse:
            case ReplicaAction::Wait:
                break;
        }
        return make_host_error(ErrorKind::Internal, context.host.name, std::string(name()),
                               "nothing to apply (" + decision.reason + ")");
    }

  private:
    static ReplicaDecision decide(const StepContext& context) {
        ReplicaGuardInput input;
        input.facts = context.snapshot.facts;
        input.server = context.snapshot.server;
        input.force = context.force;
        input.upstream_name = context.inventory.upstream_of(context.host).name;
        input.host_name = context.host.name;
        input.standby_files_match = steps::standby_files_match(context);
        if (auto marker = context.snapshot.file(context.paths.clone_marker))
            input.clone_marker = parse_clone_marker(*marker);
        const auto& login = context.snapshot.replication_login;
        if (login && login->ok) {
            input.upstream_system_identifier = login->system_identifier;
            input.upstream_timeline = upstream_timeline(*login);
        } else if (login) {
            input.upstream_login_error = login->error;
        }
        input.standby_timeline = context.snapshot.facts.cluster_running
                                     ? standby_timeline(context.snapshot)
                                     : stopped_standby_timeline(context.snapshot.facts);
        auto rows = parse_psql_rows(context.snapshot.query(kFreshQuery));
        if (rows.size() == 1 && rows[0].size() == 3) {
            input.fresh = rows[0][0] == "0" && rows[0][1] == "0" && rows[0][2] == "0";
            input.data_summary =
                fmt::format("{} user database(s), {} table(s) in postgres, {} role(s)", rows[0][0],
                            rows[0][1], rows[0][2]);
        } else {
            input.data_summary = "contents unknown";
        }
        // An old primary fenced by promote: only --force brings it back, as a fresh clone (the
        // clone restores start.conf and removes the marker). Starting it as it is would fail
        // ("Cluster is disabled") and could not follow the new timeline anyway.
        if (context.snapshot.file(context.paths.fence_file)) {
            if (context.force == Force::Yes) {
                return {ReplicaAction::Clone,
                        fmt::format("re-clone the fenced old primary from {} (--force)",
                                    input.upstream_name),
                        {}};
            }
            return {ReplicaAction::Refuse, "refusing to touch a host fenced by pgrepl promote",
                    "run pgrepl setup --force --limit " + context.host.name + " to re-clone it"};
        }
        return decide_replica(input);
    }
};

}  // namespace

std::unique_ptr<Step> make_replica_step() {
    return std::make_unique<ReplicaStep>();
}

}  // namespace pgrepl
