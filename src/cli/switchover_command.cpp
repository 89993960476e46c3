#include <chrono>
#include <iostream>

#include "common.hpp"
#include "pgrepl/switchover/switchover.hpp"
#include "pgrepl/util/exit_code.hpp"
#include "pgrepl/verify/verify.hpp"

namespace pgrepl::cli {

void add_switchover_command(CLI::App& app, Context& context) {
    struct Options {
        std::string host;
        bool check = false;
        bool update_inventory = false;
        int timeout = static_cast<int>(kDefaultSwitchoverTimeout.count());
        double reach_timeout = kDefaultReachTimeout;
        int wait_lock = 0;
    };
    auto options = std::make_shared<Options>();
    auto* switchover = app.add_subcommand(
        "switchover",
        "Planned role change with no loss: stop the primary cleanly, promote the standby HOST "
        "once it has all the WAL, the old primary and the others follow it, then a verify pass. "
        "Exit 0 switched (--check: would switch), 1 failed or aborted, 2 usage, 3 refused "
        "(nothing changed). See docs/switchover.md");
    switchover->add_option("HOST", options->host, "The standby to become the primary")->required();
    switchover->add_flag("--check", options->check,
                         "Check the preconditions and show the plan; change nothing");
    switchover
        ->add_option("--timeout", options->timeout,
                     "Seconds the target may take to reach the old primary's shutdown "
                     "checkpoint before the old primary is started again (default 30)")
        ->check(CLI::Range(1, 3600));
    switchover->add_flag("--update-inventory", options->update_inventory,
                         "Rewrite the inventory's stale role: values in place afterwards");
    add_reach_timeout_option(*switchover, options->reach_timeout);
    add_wait_lock_option(*switchover, options->wait_lock);
    add_global_options(*switchover, context.global);
    switchover->callback([&context, options] {
        context.action = [&context, options] {
            auto inventory = load_or_report(resolve_inventory_path(context));
            if (!inventory) return to_int(exit_code_for(ErrorKind::Inventory));
            SwitchoverOptions switchover_options;
            switchover_options.target = options->host;
            switchover_options.mode = options->check ? RunMode::Check : RunMode::Apply;
            switchover_options.timeout = std::chrono::seconds(options->timeout);
            switchover_options.reach = reach_probe(options->reach_timeout);
            switchover_options.wait_lock = std::chrono::seconds(options->wait_lock);
            switchover_options.update_inventory =
                options->update_inventory ? UpdateInventory::Yes : UpdateInventory::No;
            const auto report =
                run_switchover(*inventory, switchover_options, ssh_factory(context), std::cout);
            if (report.outcome != SwitchoverOutcome::Switched) return to_int(report.exit_code);
            // The proof: a verify pass over the live topology (probe record included), with
            // the inventory as --update-inventory left it.
            std::cout << "verify:\n";
            if (options->update_inventory) {
                if (auto updated = load_or_report(inventory->path)) inventory = std::move(updated);
            }
            VerifyOptions verify_options;
            verify_options.reach = switchover_options.reach;
            return run_verify(*inventory, verify_options, ssh_factory(context), std::cout);
        };
    });
}

}  // namespace pgrepl::cli
