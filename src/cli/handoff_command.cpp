#include <chrono>
#include <iostream>

#include "common.hpp"
#include "pgrepl/engine/run_report.hpp"
#include "pgrepl/handoff/handoff.hpp"

namespace pgrepl::cli {

void add_handoff_command(CLI::App& app, Context& context) {
    struct Options {
        bool check = false;
        int wait_lock = 0;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto* handoff = app.add_subcommand(
        "handoff", "Hand the running cluster to another manager, in place (docs/patroni.md)");
    handoff->require_subcommand(1);
    auto* patroni = handoff->add_subcommand(
        "patroni",
        "Form etcd on the patroni.dcs members and let Patroni take over the running primary, "
        "then each standby, without stopping PostgreSQL. Exit 0 done, 1 failed, 2 no patroni: "
        "section or password, 3 refused");
    add_inventory_argument(*patroni, context);
    patroni->add_flag("--check", options->check, "Show the plan with diffs; change nothing");
    add_wait_lock_option(*patroni, options->wait_lock);
    add_json_flag(*patroni, options->json);
    add_global_options(*patroni, context.global);
    add_global_options(*handoff, context.global);
    patroni->callback([&context, options] {
        context.action = [&context, options] {
            auto inventory = load_or_report(resolve_inventory_path(context));
            if (!inventory) return to_int(exit_code_for(ErrorKind::Inventory));
            HandoffOptions handoff_options;
            handoff_options.mode = options->check ? RunMode::Check : RunMode::Apply;
            handoff_options.wait_lock = std::chrono::seconds(options->wait_lock);
            handoff_options.show_diffs =
                context.global.verbose > 0 ? ShowDiffs::Yes : ShowDiffs::No;
            if (!options->json) {
                return to_int(
                    run_handoff(*inventory, handoff_options, ssh_factory(context), std::cout)
                        .exit_code);
            }
            // The progress lines go to stderr; stdout holds only the document.
            const auto start = std::chrono::steady_clock::now();
            const auto done =
                run_handoff(*inventory, handoff_options, ssh_factory(context), std::cerr);
            auto report =
                new_run_report("handoff", handoff_options.mode, done.exit_code, *inventory);
            report.steps = done.steps;
            report.duration = since(start);
            std::cout << run_report_json(report) << std::endl;
            return to_int(done.exit_code);
        };
    });
}

}  // namespace pgrepl::cli
