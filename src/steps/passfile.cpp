// passfile: the postgres user's 0600 password file for replication connections to every node.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/pg/standby.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

std::string desired_content(const StepContext& context) {
    std::vector<PassfileEntry> entries;
    for (const auto& host : context.inventory.hosts) {
        PassfileEntry entry;
        entry.host = host.address;
        entry.port = host.postgres.port;
        entry.database = "replication";
        entry.user = context.inventory.replication.user;
        entry.password = context.password;
        entries.push_back(std::move(entry));
    }
    return render_passfile(entries);
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
        if (current == desired_content(context))
            return Check::done(context.paths.passfile + " up to date");
        // The content is secret: the diff says only what changes, never the bytes.
        return Check::needed(
            fmt::format("{} {} (mode 0600, owner postgres)", current ? "update" : "create",
                        context.paths.passfile),
            fmt::format("~ {}: {} line(s) for {} (password not shown)\n", context.paths.passfile,
                        context.inventory.hosts.size(), context.inventory.replication.user));
    }

    Status apply(const StepContext& context, const Check&) override {
        FileSpec file;
        file.path = context.paths.passfile;
        file.content = desired_content(context);
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
