// Loading and validating an inventory file (pure: touches no host).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// One validation problem, formatted as `FILE:LINE:COL: message`.
struct InventoryDiagnostic {
    std::string file;     ///< inventory path as given
    SourceMark mark;      ///< position of the offending key or value
    std::string message;  ///< what is wrong (with a "did you mean" where it helps)

    /// `FILE:LINE:COL: message`, or `FILE: message` when the position is unknown (line 0).
    std::string to_string() const;
};

/// The outcome of loading: an inventory when `diagnostics` is empty.
struct InventoryLoad {
    Inventory inventory;                           ///< valid only when diagnostics is empty
    std::vector<InventoryDiagnostic> diagnostics;  ///< every problem found, in file order

    /// True when the inventory is valid.
    bool ok() const { return diagnostics.empty(); }
};

/// Parses and validates YAML text; `path` names the file in diagnostics and gives the default
/// cluster label (its stem). Reports every problem at once.
InventoryLoad parse_inventory(std::string_view yaml_text, const std::string& path);

/// Reads the file and parses it; an unreadable file is a diagnostic at 0:0.
InventoryLoad load_inventory(const std::string& path);

/// Renders the resolved inventory (every default filled in) as YAML, for `inventory check`.
/// Secrets are never included (only the name of the password source).
std::string render_inventory(const Inventory& inventory);

}  // namespace pgrepl
