#include <iostream>

#include "common.hpp"
#include "pgrepl/ping/ping.hpp"

namespace pgrepl::cli {

void add_ping_command(CLI::App& app, Context& context) {
    auto* ping = app.add_subcommand(
        "ping", "Connect to every host in parallel: SSH, sudo, OS, PostgreSQL installed/running");
    add_global_options(*ping, context.global);
    ping->callback([&context] {
        context.action = [&context] {
            auto inventory = load_or_report(resolve_inventory_path(context));
            if (!inventory) return to_int(exit_code_for(ErrorKind::Inventory));
            return to_int(run_ping(*inventory, ssh_factory(context), std::cout).exit_code);
        };
    });
}

}  // namespace pgrepl::cli
