// pg_hba: the managed block (replication rules for every node, then the inventory's access
// rules) placed before every other rule; everything outside the block is kept byte for byte.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/pg/hba.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/util/diff.hpp"

namespace pgrepl {
namespace {

std::string desired_block(const StepContext& context) {
    std::vector<std::string> addresses;
    // Every node, this one included: any node may be promoted later, and the role step proves
    // the password with a replication login from the primary to itself.
    for (const auto& host : context.inventory.hosts) addresses.push_back(host.address);
    auto entries = replication_entries(context.host.postgres.version,
                                       context.inventory.replication.user, addresses);
    for (auto& entry : access_entries(context.inventory.access))
        entries.push_back(std::move(entry));
    return render_hba_block(entries);
}

class HbaStep final : public Step {
  public:
    std::string_view name() const override { return "pg_hba"; }

    void request(const Inventory&, const Host&, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.files.push_back(paths.hba_file);
    }

    Result<Check> check(const StepContext& context) override {
        const auto current = context.snapshot.file(context.paths.hba_file);
        const auto block = desired_block(context);
        if (!current) {
            return Check::needed(
                "add the managed block to " + context.paths.hba_file + " (once the cluster exists)",
                line_diff("", block, context.paths.hba_file));
        }
        auto merged = merge_hba(*current, block);
        if (!merged) {
            return Check::conflict(
                fmt::format("{}: {}", context.paths.hba_file, merged.error().message),
                "repair the BEGIN/END pgrepl markers by hand, then run pgrepl setup again");
        }
        if (*merged == *current) return Check::done("managed block in place");
        return Check::needed("update the managed block of " + context.paths.hba_file,
                             line_diff(*current, *merged, context.paths.hba_file));
    }

    Status apply(const StepContext& context, const Check&) override {
        const auto current = context.snapshot.file(context.paths.hba_file);
        if (!current) {
            return make_error(ErrorKind::Remote,
                              fmt::format("{}: {}: {} does not exist", context.host.name, name(),
                                          context.paths.hba_file),
                              "the cluster step should have created it: see its result");
        }
        auto merged = merge_hba(*current, desired_block(context));
        if (!merged) return merged.error();
        FileSpec file;
        file.path = context.paths.hba_file;
        file.content = *merged;
        file.mode = 0640;
        file.owner = "postgres";
        file.group = "postgres";
        if (auto written = context.executor.write_file(file); !written) return written.error();
        if (!context.snapshot.facts.cluster_running) return ok_status();
        return steps::reload_and_wait(context, name());
    }
};

}  // namespace

std::unique_ptr<Step> make_hba_step() {
    return std::make_unique<HbaStep>();
}

}  // namespace pgrepl
