// rewind_role: the role pg_rewind logs in as when a former primary rejoins (PostgreSQL 11+):
// LOGIN, neither SUPERUSER nor REPLICATION, the replication password, and EXECUTE on exactly
// the functions pg_rewind calls (pg/rewind.hpp). The password is proven by a real login from
// this host to itself (database postgres, through the passfile), so a matching role is never
// ALTERed; the SQL with the password goes to psql on stdin. Runs on the primary only: roles and
// grants reach the standbys by replication.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/rewind.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

constexpr const char* kQuery = "rewind_role";
constexpr const char* kLogin = "rewind";

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
    }

    Result<Check> check(const StepContext& context) override {
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

    Status apply(const StepContext& context, const Check&) override {
        const PgVersion version = context.host.postgres.version;
        const auto& user = context.inventory.replication.rewind_user;
        auto role = parse_rewind_role_probe(version, context.snapshot.query(kQuery));
        const RoleExists exists = role && *role ? RoleExists::Yes : RoleExists::No;
        auto result = steps::run_sql(
            context, name(), rewind_role_sql(version, user, context.password, exists),
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
