// restart: restart the server when a setting waits for it (pg_settings.pending_restart), or, in
// check mode, when the settings step's change would make one wait.
#include <fmt/format.h>

#include <algorithm>

#include "common.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/steps/steps.hpp"
#include "settings_state.hpp"

namespace pgrepl {
namespace {

constexpr const char* kQuery = "pending_restart";

class RestartStep final : public Step {
  public:
    std::string_view name() const override { return "restart"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.queries.emplace_back(
            kQuery, "SELECT name FROM pg_settings WHERE pending_restart ORDER BY name;");
        steps::request_settings_state(inventory, host, paths, request);
    }

    Result<Check> check(const StepContext& context) override {
        // In a real run the settings step has written the managed file by now, so only check
        // mode predicts; a stopped primary is started by the cluster step before that.
        std::vector<std::string> predicted;
        const bool starts_first =
            !context.snapshot.facts.cluster_running && context.host.role == Role::Primary;
        if (context.mode == RunMode::Check &&
            (context.snapshot.facts.cluster_running || starts_first))
            predicted = steps::restarts_of_file_change(context);
        if (!context.snapshot.facts.cluster_running && predicted.empty())
            return Check::done("server not running");
        std::vector<std::string> names;
        for (const auto& row : parse_psql_rows(context.snapshot.query(kQuery))) {
            if (!row.empty() && row[0].rfind("psql:", 0) != 0) names.push_back(row[0]);
        }
        for (const auto& name : predicted) {
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
        if (names.empty()) return Check::done("no restart pending");
        return Check::needed(fmt::format("restart PostgreSQL to apply {}{}", fmt::join(names, ", "),
                                         predicted.empty() ? "" : " (once the settings change)"));
    }

    Status apply(const StepContext& context, const Check&) override {
        return steps::pg_ctlcluster(context, name(), "restart -m fast");
    }
};

}  // namespace

std::unique_ptr<Step> make_restart_step() {
    return std::make_unique<RestartStep>();
}

}  // namespace pgrepl
