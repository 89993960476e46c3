// slots: one physical replication slot per downstream replica, named after the replica.
#include <fmt/format.h>

#include <set>

#include "common.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

constexpr const char* kQuery = "slots";

class SlotsStep final : public Step {
  public:
    explicit SlotsStep(std::vector<std::string> downstream) : downstream_(std::move(downstream)) {}

    std::string_view name() const override { return "slots"; }

    void request(const Inventory&, const Host&, const ClusterPaths&,
                 SnapshotRequest& request) const override {
        request.queries.emplace_back(kQuery, slot_list_sql());
    }

    Result<Check> check(const StepContext& context) override {
        if (!context.snapshot.facts.cluster_running) {
            return Check::needed(fmt::format("create slot(s) {} (server not running yet)",
                                             fmt::join(wanted(), ", ")));
        }
        auto missing = missing_slots(context);
        if (!missing) return missing.error();
        if (missing->empty())
            return Check::done(fmt::format("slot(s) {} exist", fmt::join(wanted(), ", ")));
        std::string diff;
        for (const auto& slot : *missing) diff += "+ slot " + slot + "\n";
        return Check::needed(fmt::format("create physical slot(s) {}", fmt::join(*missing, ", ")),
                             diff);
    }

    Status apply(const StepContext& context, const Check&) override {
        auto missing = missing_slots(context);
        if (!missing) return missing.error();
        std::string sql;
        for (const auto& slot : *missing) sql += create_slot_sql(slot) + "\n";
        auto result = steps::run_sql(context, name(), sql, Mutation::Mutating, "create slots");
        if (!result) return result.error();
        return ok_status();
    }

  private:
    std::vector<std::string> wanted() const {
        std::vector<std::string> names;
        for (const auto& host : downstream_) names.push_back(slot_name_for(host));
        return names;
    }

    Result<std::vector<std::string>> missing_slots(const StepContext& context) const {
        auto slots = parse_slot_list(context.snapshot.query(kQuery));
        if (!slots) return slots.error();
        std::set<std::string> present;
        for (const auto& slot : *slots) {
            if (slot.type == "physical") present.insert(slot.name);
        }
        std::vector<std::string> missing;
        for (const auto& name : wanted()) {
            if (present.count(name) == 0) missing.push_back(name);
        }
        return missing;
    }

    std::vector<std::string> downstream_;
};

}  // namespace

std::unique_ptr<Step> make_slots_step(std::vector<std::string> downstream_hosts) {
    return std::make_unique<SlotsStep>(std::move(downstream_hosts));
}

}  // namespace pgrepl
