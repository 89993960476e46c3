// passfile: the postgres user's 0600 password file for replication connections to every node,
// and for the rewind role's logins to database postgres there (pg_rewind, 11 and later).
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/pg/rewind.hpp"
#include "pgrepl/pg/standby.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

std::vector<PassfileEntry> desired_entries(const StepContext& context) {
    const auto& replication = context.inventory.replication;
    std::vector<PassfileEntry> entries;
    for (const auto& host : context.inventory.hosts) {
        entries.push_back(
            {host.address, host.postgres.port, "replication", replication.user, context.password});
    }
    for (const auto& host : context.inventory.hosts) {
        if (!rewind_role_supported(host.postgres.version)) continue;
        entries.push_back({host.address, host.postgres.port, "postgres", replication.rewind_user,
                           context.password});
    }
    return entries;
}

class PassfileStep final : public Step {
  public:
    std::string_view name() const override { return "passfile"; }

    void request(const Inventory&, const Host&, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.files.push_back(paths.passfile);
    }

    Result<Check> check(const StepContext& context) override {
        const auto current = context.snapshot.file(context.paths.passfile);
        const auto entries = desired_entries(context);
        if (current == render_passfile(entries))
            return Check::done(context.paths.passfile + " up to date");
        // The content is secret: the diff says only what changes, never the bytes.
        return Check::needed(
            fmt::format("{} {} (mode 0600, owner postgres)", current ? "update" : "create",
                        context.paths.passfile),
            fmt::format("~ {}: {} line(s) for {} and {} (password not shown)\n",
                        context.paths.passfile, entries.size(), context.inventory.replication.user,
                        context.inventory.replication.rewind_user));
    }

    Status apply(const StepContext& context, const Check&) override {
        FileSpec file;
        file.path = context.paths.passfile;
        file.content = render_passfile(desired_entries(context));
        file.mode = 0600;
        file.owner = "postgres";
        file.group = "postgres";
        file.secret = true;
        return context.executor.write_file(file);
    }
};

}  // namespace

std::unique_ptr<Step> make_passfile_step() {
    return std::make_unique<PassfileStep>();
}

}  // namespace pgrepl
