// rewind_role: the role pg_rewind logs in as when a former primary rejoins (PostgreSQL 11+):
// LOGIN, neither SUPERUSER nor REPLICATION, the replication password, and EXECUTE on exactly
// the functions pg_rewind calls (pg/rewind.hpp). The password is proven by a real login from
// this host to itself (database postgres, through the passfile), so a matching role is never
// ALTERed; the SQL with the password goes to psql on stdin. Runs on the primary only: roles and
// grants reach the standbys by replication.
// pg_rewind also reads the source's timeline from its pg_control, which a promoted server
// updates only at its first checkpoint after the promotion (a spread one: minutes). Until then
// pg_rewind sees the former primary on the "same timeline" and rewinds nothing; so when the
// last checkpoint's timeline lags behind the server's, this step runs CHECKPOINT.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/rewind.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

constexpr const char* kQuery = "rewind_role";
constexpr const char* kLogin = "rewind";
constexpr const char* kControlTimeline = "control_timeline";

// The last checkpoint's timeline when it lags behind the running primary's (else nullopt).
std::optional<int> stale_control_timeline(const StepContext& context) {
    const auto& server = context.snapshot.server;
    if (!server || server->role != LiveRole::Primary || !server->timeline) return std::nullopt;
    const auto text = context.snapshot.query(kControlTimeline);
    const auto control = parse_int(text.substr(0, text.find('\n')));
    if (!control || *control >= *server->timeline) return std::nullopt;
    return static_cast<int>(*control);
}

class RewindRoleStep final : public Step {
  public:
    std::string_view name() const override { return "rewind_role"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        if (!rewind_role_supported(host.postgres.version)) return;
        const auto& user = inventory.replication.rewind_user;
        request.queries.emplace_back(kQuery, rewind_role_probe_sql(host.postgres.version, user));
        request.login_tests.emplace_back(
            kLogin,
            steps::login_check_conninfo(host, user, paths.passfile, steps::LoginKind::Database));
        request.queries.emplace_back(kControlTimeline,
                                     "SELECT timeline_id FROM pg_control_checkpoint();");
    }

    Result<Check> check(const StepContext& context) override {
        auto role = check_role(context);
        if (!role || role->state != CheckState::Done) return role;
        if (auto control = stale_control_timeline(context)) {
            return Check::needed(fmt::format(
                "CHECKPOINT: pg_control shows timeline {} but the server runs on {} (promoted; "
                "pg_rewind reads the timeline from pg_control)",
                *control, *context.snapshot.server->timeline));
        }
        return role;
    }

    Status apply(const StepContext& context, const Check&) override {
        auto role = check_role(context);
        if (!role) return role.error();
        if (role->state == CheckState::Needed) {
            if (auto changed = apply_role(context); !changed) return changed;
        }
        if (!stale_control_timeline(context)) return ok_status();
        auto result = steps::run_sql(context, name(), "CHECKPOINT;", Mutation::Mutating,
                                     "checkpoint (pg_control's timeline)");
        if (!result) return result.error();
        return ok_status();
    }

  private:
    static Result<Check> check_role(const StepContext& context) {
        const PgVersion version = context.host.postgres.version;
        const auto& user = context.inventory.replication.rewind_user;
        if (!rewind_role_supported(version)) {
            return Check::done(fmt::format(
                "no rewind role on PostgreSQL {}: pg_rewind needs a superuser before 11 (a "
                "former primary is re-cloned)",
                version.to_string()));
        }
        if (!context.snapshot.facts.cluster_running) {
            return Check::needed(fmt::format("create role {} (server not running yet)", user));
        }
        auto role = parse_rewind_role_probe(version, context.snapshot.query(kQuery));
        if (!role) return role.error();
        if (!*role) {
            return Check::needed(
                fmt::format("create role {} WITH LOGIN and the EXECUTE grants of pg_rewind", user));
        }
        if ((*role)->superuser) {
            return Check::conflict(
                fmt::format("role {} is a superuser; pgrepl manages only a LOGIN role with "
                            "pg_rewind's grants",
                            user),
                fmt::format("ALTER ROLE {} NOSUPERUSER, or choose another replication.rewind_user",
                            user),
                ErrorKind::Refused);
        }
        if (!(*role)->can_login || (*role)->replication) {
            return Check::needed(
                fmt::format("alter role {}: LOGIN NOREPLICATION (as pg_rewind needs)", user));
        }
        if (!(*role)->missing_grants.empty()) {
            std::string diff;
            for (const auto& function : (*role)->missing_grants)
                diff += fmt::format("+ GRANT EXECUTE ON FUNCTION {} TO {}\n", function, user);
            return Check::needed(fmt::format("grant role {} what pg_rewind needs ({} missing)",
                                             user, (*role)->missing_grants.size()),
                                 diff);
        }
        const auto* login = context.snapshot.login_test(kLogin);
        if (!login) return Check::done(fmt::format("role {} exists with pg_rewind's grants", user));
        if (login->ok) return Check::done(fmt::format("role {} logs in for pg_rewind", user));
        if (!(*role)->has_password || login->error.find("password") != std::string::npos) {
            return Check::needed(fmt::format(
                "set the password of role {} (login to database postgres failed)", user));
        }
        return Check::conflict(fmt::format("login as {} to database postgres on {} failed: {}",
                                           user, context.host.address, login->error),
                               "check listen_addresses and pg_hba.conf (the settings, pg_hba and "
                               "restart steps above)");
    }

    static Status apply_role(const StepContext& context) {
        const PgVersion version = context.host.postgres.version;
        const auto& user = context.inventory.replication.rewind_user;
        auto role = parse_rewind_role_probe(version, context.snapshot.query(kQuery));
        const RoleExists exists = role && *role ? RoleExists::Yes : RoleExists::No;
        auto result = steps::run_sql(
            context, "rewind_role", rewind_role_sql(version, user, context.password, exists),
            Mutation::Mutating, exists == RoleExists::Yes ? "alter role" : "create role",
            steps::Secrecy::Secret);
        if (!result) return result.error();
        return ok_status();
    }
};

}  // namespace

std::unique_ptr<Step> make_rewind_role_step() {
    return std::make_unique<RewindRoleStep>();
}

}  // namespace pgrepl
