// pg_hba: the managed block (replication rules for every node, then the inventory's access
// rules) placed before every other rule; everything outside the block is kept byte for byte.
// A node named by host name gets a rule for each address the name resolves to on this host:
// PostgreSQL matches a host name in pg_hba only when the reverse lookup of the client's address
// gives back that very name, which it often does not (a short name, a CNAME, no PTR record).
#include <fmt/format.h>

#include <algorithm>

#include "common.hpp"
#include "pgrepl/pg/hba.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/util/diff.hpp"

namespace pgrepl {
namespace {

Result<std::string> desired_block(const StepContext& context) {
    std::vector<std::string> addresses;
    // Every node, this one included: any node may be promoted later, and the role step proves
    // the password with a replication login from the primary to itself.
    for (const auto& host : context.inventory.hosts) {
        if (is_ip_address(host.address)) {
            addresses.push_back(host.address);
            continue;
        }
        const auto resolved = context.snapshot.addresses_of(host.address);
        if (resolved.empty()) {
            return make_error(
                ErrorKind::Conflict,
                fmt::format("{}'s address {} does not resolve on {} (getent ahosts), so no "
                            "pg_hba rule can let it replicate",
                            host.name, host.address, context.host.name),
                fmt::format("give {} its IP address in the inventory, or make {} resolve on "
                            "every node (DNS or /etc/hosts)",
                            host.name, host.address));
        }
        for (const auto& address : resolved) {
            if (std::find(addresses.begin(), addresses.end(), address) == addresses.end())
                addresses.push_back(address);
        }
    }
    auto entries = replication_entries(context.host.postgres.version,
                                       context.inventory.replication.user, addresses);
    for (auto& entry : rewind_entries(context.host.postgres.version,
                                      context.inventory.replication.rewind_user, addresses))
        entries.push_back(std::move(entry));
    for (auto& entry : access_entries(context.inventory.access))
        entries.push_back(std::move(entry));
    return render_hba_block(entries);
}

class HbaStep final : public Step {
  public:
    std::string_view name() const override { return "pg_hba"; }

    void request(const Inventory& inventory, const Host&, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.files.push_back(paths.hba_file);
        for (const auto& host : inventory.hosts) {
            if (!is_ip_address(host.address)) request.host_names.push_back(host.address);
        }
    }

    Result<Check> check(const StepContext& context) override {
        const auto current = context.snapshot.file(context.paths.hba_file);
        const auto block = desired_block(context);
        if (!block) return Check::conflict(describe(block.error()), block.error().hint);
        if (!current) {
            return Check::needed(
                "add the managed block to " + context.paths.hba_file + " (once the cluster exists)",
                line_diff("", *block, context.paths.hba_file));
        }
        auto merged = merge_hba(*current, *block);
        if (!merged) {
            return Check::conflict(
                fmt::format("{}: {}", context.paths.hba_file, describe(merged.error())),
                "repair the BEGIN/END pgrepl markers by hand, then run pgrepl setup again");
        }
        if (*merged == *current) return Check::done("managed block in place");
        return Check::needed("update the managed block of " + context.paths.hba_file,
                             line_diff(*current, *merged, context.paths.hba_file));
    }

    Status apply(const StepContext& context, const Check&) override {
        const auto current = context.snapshot.file(context.paths.hba_file);
        if (!current) {
            return make_host_error(ErrorKind::Remote, context.host.name, std::string(name()),
                                   context.paths.hba_file + " does not exist",
                                   "the cluster step should have created it: see its result");
        }
        const auto block = desired_block(context);
        if (!block) return block.error();
        auto merged = merge_hba(*current, *block);
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
