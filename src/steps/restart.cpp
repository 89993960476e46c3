// restart: restart the server only when pg_settings says a changed setting needs it.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

constexpr const char* kQuery = "pending_restart";

class RestartStep final : public Step {
  public:
    std::string_view name() const override { return "restart"; }

    void request(const Inventory&, const Host&, const ClusterPaths&,
                 SnapshotRequest& request) const override {
        request.queries.emplace_back(
            kQuery, "SELECT name FROM pg_settings WHERE pending_restart ORDER BY name;");
    }

    Result<Check> check(const StepContext& context) override {
        if (!context.snapshot.facts.cluster_running) return Check::done("server not running");
        std::vector<std::string> names;
        for (const auto& row : parse_psql_rows(context.snapshot.query(kQuery))) {
            if (!row.empty() && row[0].rfind("psql:", 0) != 0) names.push_back(row[0]);
        }
        if (names.empty()) return Check::done("no restart pending");
        return Check::needed(fmt::format("restart PostgreSQL to apply {}", fmt::join(names, ", ")));
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
