#include <chrono>
#include <iostream>

#include "common.hpp"
#include "pgrepl/engine/run_report.hpp"
#include "pgrepl/setup/setup.hpp"

namespace pgrepl::cli {

void add_setup_command(CLI::App& app, Context& context) {
    struct Options {
        bool check = false;
        bool force = false;
        std::vector<std::string> limit;
        int wait_lock = 0;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto* setup = app.add_subcommand("setup", "Provision the primary and every replica over SSH");
    add_inventory_argument(*setup, context);
    setup->add_flag("--check", options->check, "Show the plan with diffs; change nothing");
    // One value per --limit (HOST[,HOST]): a positional INVENTORY after it is not a host.
    setup->add_option("--limit", options->limit, "Only these hosts (HOST[,HOST])")
        ->allow_extra_args(false);
    setup->add_flag("--force", options->force,
                    "Replace a data directory that holds a primary or another system's data");
    add_wait_lock_option(*setup, options->wait_lock);
    add_json_flag(*setup, options->json);
    add_global_options(*setup, context.global);
    setup->callback([&context, options] {
        context.action = [&context, options] {
            auto inventory = load_or_report(resolve_inventory_path(context));
            if (!inventory) return to_int(exit_code_for(ErrorKind::Inventory));
            SetupOptions setup;
            setup.mode = options->check ? RunMode::Check : RunMode::Apply;
            setup.force = options->force ? Force::Yes : Force::No;
            setup.limit = split_names(options->limit);
            setup.wait_lock = std::chrono::seconds(options->wait_lock);
            setup.show_diffs = context.global.verbose > 0 ? ShowDiffs::Yes : ShowDiffs::No;
            if (!options->json)
                return to_int(
                    run_setup(*inventory, setup, ssh_factory(context), std::cout).exit_code);
            // The progress lines go to stderr; stdout holds only the document.
            const auto start = std::chrono::steady_clock::now();
            const auto done = run_setup(*inventory, setup, ssh_factory(context), std::cerr);
            auto report = new_run_report("setup", setup.mode, done.exit_code, *inventory);
            report.steps = done.steps;
            report.duration = since(start);
            std::cout << run_report_json(report) << std::endl;
            return to_int(done.exit_code);
        };
    });
}

}  // namespace pgrepl::cli
