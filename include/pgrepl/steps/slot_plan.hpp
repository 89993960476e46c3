// The slots step's decision, pure: which physical slots to create on a host, which of pgrepl's
// own slots to drop because their replica left the inventory, and the slot record
// (ClusterPaths::slot_record) that says which slots are pgrepl's. A slot is pgrepl's when its
// name is in the record: the step records every slot it creates and every slot it uses for an
// inventory replica; it never drops a slot that is not recorded (a user's slot named like a
// host is left alone) nor one that is active.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/pg/sql.hpp"

namespace pgrepl {

/// What the slots step will do on one host.
struct SlotPlan {
    std::vector<std::string> create;  ///< wanted slots that do not exist
    /// wanted slots that exist but are lost (wal_status, 13+: the WAL they held was removed,
    /// past max_slot_wal_keep_size) and inactive: dropped and created again, so that they hold
    /// WAL again (a lost slot stays lost on 16+, also when its standby streams again)
    std::vector<std::string> recreate;
    /// wanted slots that are lost but active: kept (a slot in use cannot be dropped)
    std::vector<std::string> lost_active;
    /// pgrepl's inactive physical slots whose host is no longer in the inventory
    std::vector<std::string> drop;
    /// pgrepl's slots whose host is no longer in the inventory but that are active: kept
    std::vector<std::string> kept_active;
    /// the record after the change, sorted: the wanted slots and the recorded ones that still
    /// exist and are not dropped (a recorded name whose slot is gone is forgotten)
    std::vector<std::string> record;
};

/// The plan for a host from its slots (`existing`), the slots it should have (`wanted`: its
/// downstream replicas' slot names), the slot names of every inventory host (`inventory`)
/// and the names in its record (`recorded`).
SlotPlan plan_slots(const std::vector<std::string>& wanted,
                    const std::vector<std::string>& inventory,
                    const std::vector<SlotInfo>& existing,
                    const std::vector<std::string>& recorded);

/// The record file's content: a comment, then one slot name a line.
std::string render_slot_record(const std::vector<std::string>& names);

/// The names in a record file (comments, blank lines and invalid names ignored), sorted.
std::vector<std::string> parse_slot_record(std::string_view content);

}  // namespace pgrepl
