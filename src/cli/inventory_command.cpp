#include <iostream>

#include "common.hpp"
#include "pgrepl/inventory/load.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl::cli {

void add_inventory_command(CLI::App& app, Context& context) {
    auto* inventory = app.add_subcommand("inventory", "Inventory tools");
    inventory->require_subcommand(1);
    add_global_options(*inventory, context.global);
    auto* check = inventory->add_subcommand(
        "check", "Validate the inventory and print it resolved (every default filled in)");
    add_inventory_argument(*check, context);
    add_global_options(*check, context.global);
    check->callback([&context] {
        context.action = [&context] {
            auto loaded = load_or_report(resolve_inventory_path(context));
            if (!loaded) return to_int(exit_code_for(ErrorKind::Inventory));
            std::cout << render_inventory(*loaded);
            return to_int(ExitCode::Ok);
        };
    });
}

}  // namespace pgrepl::cli
