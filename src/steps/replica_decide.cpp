// The replica step's decision: the guard's input gathered from the snapshot.
#include "replica_decide.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/rewind.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/pg/standby.hpp"
#include "pgrepl/pg/timeline.hpp"
#include "pgrepl/steps/clone_marker.hpp"
#include "pgrepl/util/text.hpp"
#include "replica_clone.hpp"
#include "replica_rewind.hpp"

namespace pgrepl::steps {
namespace {

constexpr const char* kFreshQuery = "fresh";
// pg_rewind's login to the upstream as the rewind role (database postgres).
constexpr const char* kRewindLogin = "rewind_login";
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

// The server log lines read for upstream_removed_wal().
constexpr int kLogLines = 20;

// True when the log says, after the last time streaming started, that the upstream removed WAL
// the standby asked for.
bool upstream_removed_wal(const std::vector<std::string>& tail) {
    for (auto it = tail.rbegin(); it != tail.rend(); ++it) {
        if (it->find("started streaming WAL") != std::string::npos) return false;
        if (it->find("has already been removed") != std::string::npos) return true;
    }
    return false;
}

}  // namespace

void replica_request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                     SnapshotRequest& request) {
    const Host& upstream = inventory.upstream_of(host);
    request.files.push_back(paths.standby_conf);
    request.files.push_back(paths.fence_file);
    request.files.push_back(paths.clone_marker);
    request.files.push_back(paths.fresh_marker);
    request.files.push_back(recovery_conf_path(paths.data_dir));
    request.log_lines = std::max(request.log_lines, kLogLines);
    request.queries.emplace_back(kFreshQuery, kFreshSql);
    request.queries.emplace_back(kTimelineQuery, standby_timeline_sql(host.postgres.version));
    request.replication_login_conninfo = login_check_conninfo(
        upstream, inventory.replication.user, paths.passfile, LoginKind::Replication);
    if (rewind_role_supported(host.postgres.version)) {
        request.login_tests.emplace_back(
            kRewindLogin, rewind_source_conninfo(inventory, upstream, paths.passfile));
    }
    // Until the passfile step writes it (a first run's first gathers), no login to the upstream.
    request.logins_need_file = paths.passfile;
    // A standby that streams from its upstream needs neither login this run.
    request.logins_unless_streaming_from = Endpoint{upstream.address, upstream.postgres.port};
}

bool fresh_created(const StepContext& context) {
    const auto& facts = context.snapshot.facts;
    if (facts.cluster_running || !facts.never_started || facts.backup_label ||
        facts.standby_signal || facts.system_identifier.empty())
        return false;
    const auto marker = context.snapshot.file(context.paths.fresh_marker);
    return marker && trim(*marker) == facts.system_identifier;
}

ReplicaDecision replica_decision(const StepContext& context) {
    ReplicaGuardInput input;
    input.facts = context.snapshot.facts;
    input.server = context.snapshot.server;
    input.force = context.force;
    input.upstream_name = context.inventory.upstream_of(context.host).name;
    input.host_name = context.host.name;
    input.standby_files_match = standby_files_match(context);
    const Host& upstream = context.inventory.upstream_of(context.host);
    input.desired_upstream = Endpoint{upstream.address, upstream.postgres.port};
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
        input.data_summary = fmt::format("{} user database(s), {} table(s) in postgres, {} role(s)",
                                         rows[0][0], rows[0][1], rows[0][2]);
    } else {
        input.data_summary = "contents unknown";
    }
    input.fresh_created = fresh_created(context);
    input.fenced = context.snapshot.file(context.paths.fence_file).has_value();
    input.upstream_removed_wal = upstream_removed_wal(context.snapshot.log_tail);
    input.archive = context.inventory.replication.archive.method != ArchiveMethod::None;
    input.rewind_supported = rewind_role_supported(context.host.postgres.version);
    if (const auto* rewind_login = context.snapshot.login_test(kRewindLogin);
        rewind_login && !rewind_login->ok) {
        input.rewind_login_error =
            fmt::format("login as {} to database postgres failed: {}",
                        context.inventory.replication.rewind_user,
                        rewind_login->error.empty() ? "no answer" : rewind_login->error);
    }
    return decide_replica(input);
}

}  // namespace pgrepl::steps
