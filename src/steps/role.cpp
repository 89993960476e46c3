// role: the replication role has REPLICATION LOGIN (never SUPERUSER) and the inventory's
// password. The password is proven by a real replication login from this host to itself, so a
// matching role is never ALTERed; SQL with the password goes to psql on stdin.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

constexpr const char* kQuery = "role";

bool is_password_failure(const std::string& error) {
    return error.find("password authentication failed") != std::string::npos ||
           error.find("no password supplied") != std::string::npos;
}

class RoleStep final : public Step {
  public:
    std::string_view name() const override { return "role"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.queries.emplace_back(kQuery, role_probe_sql(inventory.replication.user));
        request.replication_login_conninfo = steps::login_check_conninfo(
            host, inventory.replication.user, paths.passfile, steps::LoginKind::Replication);
    }

    Result<Check> check(const StepContext& context) override {
        const auto& user = context.inventory.replication.user;
        if (!context.snapshot.facts.cluster_running) {
            return Check::needed(fmt::format("create role {} (server not running yet)", user));
        }
        auto role = parse_role_probe(context.snapshot.query(kQuery));
        if (!role) return role.error();
        if (!*role)
            return Check::needed(fmt::format("create role {} WITH REPLICATION LOGIN", user));
        if ((*role)->superuser) {
            return Check::conflict(
                fmt::format("role {} is a superuser; pgrepl manages only a "
                            "REPLICATION LOGIN role",
                            user),
                fmt::format("ALTER ROLE {} NOSUPERUSER, or choose another replication.user", user),
                ErrorKind::Refused);
        }
        if (!(*role)->replication || !(*role)->can_login) {
            return Check::needed(fmt::format("alter role {}: add REPLICATION LOGIN", user));
        }
        const auto& login = context.snapshot.replication_login;
        if (!login) return Check::done(fmt::format("role {} exists", user));
        if (login->ok) return Check::done(fmt::format("role {} logs in for replication", user));
        if (is_password_failure(login->error)) {
            return Check::needed(
                fmt::format("set the password of role {} (replication login failed)", user));
        }
        return Check::conflict(fmt::format("replication login as {} to {} failed: {}", user,
                                           context.host.address, login->error),
                               "check listen_addresses and pg_hba.conf (the settings, pg_hba and "
                               "restart steps above)");
    }

    Status apply(const StepContext& context, const Check&) override {
        const auto& user = context.inventory.replication.user;
        auto role = parse_role_probe(context.snapshot.query(kQuery));
        const bool exists = role && *role;
        auto sql = exists ? alter_role_sql(context.host.postgres.version, user, context.password)
                          : create_role_sql(context.host.postgres.version, user, context.password);
        auto result = steps::run_sql(context, name(), std::move(sql), Mutation::Mutating,
                                     exists ? "alter role" : "create role", steps::Secrecy::Secret);
        if (!result) return result.error();
        return ok_status();
    }
};

}  // namespace

std::unique_ptr<Step> make_role_step() {
    return std::make_unique<RoleStep>();
}

}  // namespace pgrepl
