// slots: one physical replication slot per downstream replica, named after the replica; the
// slots pgrepl recorded as its own (ClusterPaths::slot_record) whose replica left the
// inventory are dropped once inactive (docs/steps.md).
#include <fmt/format.h>

#include <algorithm>

#include "common.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/steps/slot_plan.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

constexpr const char* kQuery = "slots";

std::string join(const std::vector<std::string>& names) {
    return fmt::format("{}", fmt::join(names, ", "));
}

class SlotsStep final : public Step {
  public:
    explicit SlotsStep(std::vector<std::string> downstream) : downstream_(std::move(downstream)) {}

    std::string_view name() const override { return "slots"; }

    void request(const Inventory&, const Host&, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.queries.emplace_back(kQuery, slot_list_sql());
        request.files.push_back(paths.slot_record);
    }

    Result<Check> check(const StepContext& context) override {
        if (!context.snapshot.facts.cluster_running) {
            if (downstream_.empty()) return Check::done("server not running, no slot wanted");
            return Check::needed(
                fmt::format("create slot(s) {} (server not running yet)", join(wanted())));
        }
        auto plan = plan_for(context);
        if (!plan) return plan.error();
        const std::string warning = kept_warning(*plan);
        // Only a name the record lacks is a change: a recorded name whose slot is gone (a
        // promote or switchover dropped it) is forgotten the next time the record is written.
        const auto on_record = recorded(context);
        const bool record_changes =
            std::any_of(plan->record.begin(), plan->record.end(), [&](const std::string& name) {
                return std::find(on_record.begin(), on_record.end(), name) == on_record.end();
            });
        if (plan->create.empty() && plan->recreate.empty() && plan->drop.empty() &&
            !record_changes) {
            const std::string state = downstream_.empty()
                                          ? "no slot wanted"
                                          : fmt::format("slot(s) {} exist", join(wanted()));
            return Check::done(state + warning);
        }
        std::vector<std::string> what;
        std::string diff;
        if (!plan->create.empty()) what.push_back("create physical slot(s) " + join(plan->create));
        for (const auto& slot : plan->create) diff += "+ slot " + slot + "\n";
        if (!plan->recreate.empty()) {
            what.push_back(fmt::format(
                "re-create lost slot(s) {} (their WAL was removed past max_slot_wal_keep_size)",
                join(plan->recreate)));
        }
        for (const auto& slot : plan->recreate)
            diff += "~ slot " + slot + " (lost: dropped and created again)\n";
        if (!plan->drop.empty()) {
            what.push_back(
                fmt::format("drop slot(s) {} (no longer in the inventory)", join(plan->drop)));
        }
        for (const auto& slot : plan->drop)
            diff += "- slot " + slot + " (inactive, recorded as pgrepl's, not in the inventory)\n";
        if (plan->create.empty() && plan->recreate.empty() && plan->drop.empty()) {
            what.push_back("record slot(s) " + join(plan->record) + " as pgrepl's");
            diff += "~ " + context.paths.slot_record + ": " + join(plan->record) + "\n";
        }
        return Check::needed(fmt::format("{}{}", fmt::join(what, "; "), warning), diff);
    }

    Status apply(const StepContext& context, const Check&) override {
        auto plan = plan_for(context);
        if (!plan) return plan.error();
        std::vector<std::string> record = plan->record;
        std::string sql;
        // A lost slot that became active meanwhile is not dropped, nor created again.
        if (!plan->recreate.empty()) sql += drop_inactive_slots_sql(plan->recreate);
        for (const auto& slot : plan->create) sql += create_slot_sql(slot);
        for (const auto& slot : plan->recreate) sql += create_slot_sql(slot);
        if (!plan->drop.empty()) sql += "\\echo @@dropped\n" + drop_inactive_slots_sql(plan->drop);
        if (!sql.empty()) {
            auto result =
                steps::run_sql(context, name(), sql, Mutation::Mutating,
                               plan->drop.empty() && plan->recreate.empty() ? "create slots"
                                                                            : "create/drop slots");
            if (!result) return result.error();
            // A slot that became active since the check is not dropped: it stays recorded.
            const std::string& out = result->out;
            const auto marker = out.find("@@dropped\n");
            std::vector<std::string> dropped;
            if (marker != std::string::npos) {
                for (auto line : split_lines(std::string_view(out).substr(marker + 10)))
                    if (!line.empty()) dropped.emplace_back(trim(line));
            }
            for (const auto& slot : plan->drop) {
                if (std::find(dropped.begin(), dropped.end(), slot) == dropped.end())
                    record.push_back(slot);
            }
            std::sort(record.begin(), record.end());
        }
        const bool on_file = context.snapshot.file(context.paths.slot_record).has_value();
        if (record == recorded(context) && (on_file || record.empty())) return ok_status();
        FileSpec file;
        file.path = context.paths.slot_record;
        file.content = render_slot_record(record);
        return context.executor.write_file(file);
    }

  private:
    std::vector<std::string> wanted() const {
        std::vector<std::string> names;
        for (const auto& host : downstream_) names.push_back(slot_name_for(host));
        return names;
    }

    static std::vector<std::string> recorded(const StepContext& context) {
        const auto content = context.snapshot.file(context.paths.slot_record);
        return content ? parse_slot_record(*content) : std::vector<std::string>{};
    }

    static std::string kept_warning(const SlotPlan& plan) {
        std::string out;
        if (!plan.kept_active.empty()) {
            out += fmt::format(
                "; warning: slot(s) {} of host(s) no longer in the inventory kept: still active "
                "(stop that standby, then run setup again to drop it)",
                join(plan.kept_active));
        }
        if (!plan.lost_active.empty()) {
            out += fmt::format(
                "; warning: slot(s) {} lost (their WAL was removed past "
                "max_slot_wal_keep_size) but active: not re-created (see pgrepl verify)",
                join(plan.lost_active));
        }
        return out;
    }

    Result<SlotPlan> plan_for(const StepContext& context) const {
        auto slots = parse_slot_list(context.snapshot.query(kQuery));
        if (!slots) return slots.error();
        std::vector<std::string> inventory;
        for (const auto& host : context.inventory.hosts)
            inventory.push_back(slot_name_for(host.name));
        return plan_slots(wanted(), inventory, *slots, recorded(context));
    }

    std::vector<std::string> downstream_;
};

}  // namespace

std::unique_ptr<Step> make_slots_step(std::vector<std::string> downstream_hosts) {
    return std::make_unique<SlotsStep>(std::move(downstream_hosts));
}

}  // namespace pgrepl
