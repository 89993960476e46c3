// restart: restart the server when a setting waits for it (pg_settings.pending_restart), or, in
// check mode, when the settings step's change would make one wait; start a stopped primary (a
// new cluster's first start, with its settings in place).
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
        const auto& facts = context.snapshot.facts;
        const bool primary = context.host.role == Role::Primary;
        // A new primary's first start (the cluster step creates it stopped): with the settings
        // and pg_hba written, it needs no restart after it.
        if (primary && !facts.cluster_running &&
            (!facts.cluster_exists || facts.never_started || context.mode == RunMode::Apply)) {
            return Check::needed(facts.cluster_exists && !facts.never_started
                                     ? "start PostgreSQL"
                                     : "start PostgreSQL for the first time, with its settings");
        }
        // In a real run the settings step has written the managed file by now, so only check
        // mode predicts; a stopped primary that ran before is started by the cluster step.
        std::vector<std::string> predicted;
        if (context.mode == RunMode::Check && (facts.cluster_running || primary))
            predicted = steps::restarts_of_file_change(context);
        if (!facts.cluster_running && predicted.empty()) return Check::done("server not running");
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
        if (!context.snapshot.facts.cluster_running)
            return steps::pg_ctlcluster(context, name(), "start");
        return steps::pg_ctlcluster(context, name(), "restart -m fast");
    }
};

}  // namespace

std::unique_ptr<Step> make_restart_step() {
    return std::make_unique<RestartStep>();
}

}  // namespace pgrepl
