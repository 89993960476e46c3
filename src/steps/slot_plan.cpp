#include "pgrepl/steps/slot_plan.hpp"

#include <algorithm>
#include <set>

#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

SlotPlan plan_slots(const std::vector<std::string>& wanted,
                    const std::vector<std::string>& inventory,
                    const std::vector<SlotInfo>& existing,
                    const std::vector<std::string>& recorded) {
    SlotPlan plan;
    std::set<std::string> record(wanted.begin(), wanted.end());
    std::set<std::string> physical;
    for (const SlotInfo& slot : existing) {
        if (slot.type != "physical") continue;
        physical.insert(slot.name);
        if (slot.wal_status == "lost" && contains(wanted, slot.name))
            (slot.active ? plan.lost_active : plan.recreate).push_back(slot.name);
        if (!contains(recorded, slot.name) || contains(wanted, slot.name)) continue;
        if (contains(inventory, slot.name)) {
            record.insert(slot.name);  // another host's replica: not ours to judge here
        } else if (slot.active) {
            plan.kept_active.push_back(slot.name);
            record.insert(slot.name);
        } else {
            plan.drop.push_back(slot.name);
        }
    }
    for (const auto& name : wanted) {
        if (physical.count(name) == 0) plan.create.push_back(name);
    }
    plan.record.assign(record.begin(), record.end());
    return plan;
}

std::string render_slot_record(const std::vector<std::string>& names) {
    std::string out =
        "# Replication slots pgrepl created or uses on this cluster, one a line. pgrepl setup\n"
        "# drops an inactive one whose replica is no longer in the inventory, and no other.\n";
    for (const auto& name : names) out += name + "\n";
    return out;
}

std::vector<std::string> parse_slot_record(std::string_view content) {
    std::set<std::string> names;
    for (auto line : split_lines(content)) {
        const std::string name(trim(line));
        if (is_valid_slot_name(name)) names.insert(name);
    }
    return {names.begin(), names.end()};
}

}  // namespace pgrepl
