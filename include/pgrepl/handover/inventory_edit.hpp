// `--update-inventory` (promote, switchover): rewrites the stale `role:` values of the inventory
// file in place, every other byte (comments, layout, quoting style, line endings) kept as it is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <optional>

#include "pgrepl/engine/step.hpp"
#include "pgrepl/handover/topology.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// Whether --update-inventory was given.
enum class UpdateInventory { No, Yes };

/// One role value to rewrite.
struct RoleEdit {
    std::string host;  ///< for messages
    SourceMark mark;   ///< where the value starts (Host::role_mark: 1-based line and column)
    Role from = Role::Replica;  ///< the value expected there
    Role to = Role::Primary;    ///< the value written instead
};

/// Rewrites each role value of `text` at its mark. The value may be plain or quoted ('...' or
/// "..."); its quotes are kept. When the text at the mark is not the expected value (a file
/// changed since it was loaded), the only `role:` key of that line is used instead; failing
/// that, an Error (Conflict) names the host and line and nothing is rewritten.
Result<std::string> rewrite_role_values(std::string_view text, const std::vector<RoleEdit>& edits);

/// Rewrites the roles of the inventory file `path` (loaded as `inventory`) so that they match
/// `promoted`: reads it, applies rewrite_role_values, checks that the result parses to the same
/// hosts with the new roles, and replaces the file atomically (a temporary file in the same
/// directory, same permissions, then rename). Returns the number of values rewritten (0: the
/// file was left untouched). An inventory that would not validate afterwards (for instance
/// the new primary has an `upstream:` key) is an Error naming the problem; the file is kept.
Result<int> update_inventory_roles(const std::string& path, const Inventory& inventory,
                                   const Inventory& promoted);

/// The edits that make `inventory`'s roles those of `promoted` (same hosts, same order).
std::vector<RoleEdit> role_edits(const Inventory& inventory, const Inventory& promoted);

/// The inventory's stale lines after a role change and what --update-inventory did about them.
struct InventoryUpdate {
    std::string path;                              ///< the inventory file
    std::vector<StaleLine> stale;                  ///< its stale lines (none: up to date)
    std::string command;                           ///< "promote" or "switchover", for the hint
    std::string target;                            ///< the new primary, for the hint
    UpdateInventory update = UpdateInventory::No;  ///< --update-inventory
    RunMode mode = RunMode::Apply;                 ///< check: only show the rewrite
    std::string would_rewrite;   ///< check mode: the diff of the rewrite (or "cannot: ...")
    std::optional<Error> error;  ///< the rewrite failed
    int rewritten = 0;           ///< role values rewritten
};

/// Lists the lines of the inventory file that the `promoted` topology made stale and, with
/// UpdateInventory::Yes, rewrites its role values in place (in check mode only the diff of the
/// rewrite is made). `command` and `target` are kept for the hint.
InventoryUpdate update_stale_inventory(const Inventory& inventory, const Inventory& promoted,
                                       const std::string& command, const std::string& target,
                                       UpdateInventory update, RunMode mode);

}  // namespace pgrepl
