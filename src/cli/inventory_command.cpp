#include <iostream>

#include "common.hpp"
#include "pgrepl/inventory/load.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl::cli {

void add_inventory_command(CLI::App& app, Context& context) {
    auto* inventory = app.add_subcommand("inventory", "Inventory tools");
    inventory->require_subcommand(1);
    auto* check = inventory->add_subcommand(
        "check", "Validate the inventory and print it resolved (every default filled in)");
    auto positional = std::make_shared<std::string>();
    check->add_option("INVENTORY", *positional, "Inventory file");
    check->callback([&context, positional] {
        context.action = [&context, positional] {
            auto loaded = load_or_report(resolve_inventory_path(context.global, *positional));
            if (!loaded) return to_int(ExitCode::Usage);
            std::cout << render_inventory(*loaded);
            return to_int(ExitCode::Ok);
        };
    });
}

}  // namespace pgrepl::cli
