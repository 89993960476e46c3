#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include "common.hpp"
#include "pgrepl/handoff/patroni_control.hpp"
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
        bool json = false;
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
    add_json_flag(*switchover, options->json);
    add_global_options(*switchover, context.global);
    switchover->callback([&context, options] {
        context.action = [&context, options] {
            auto inventory = load_or_report(resolve_inventory_path(context));
            if (!inventory) return to_int(exit_code_for(ErrorKind::Inventory));
            // A cluster handed to Patroni switches over through Patroni, then the verify pass.
            PatroniRoleChange patroni;
            patroni.target = options->host;
            patroni.mode = options->check ? RunMode::Check : RunMode::Apply;
            patroni.timeout = std::chrono::seconds(options->timeout + 30);
            if (auto code = change_role_through_patroni(*inventory, patroni, ssh_factory(context),
                                                        std::cout)) {
                if (*code != ExitCode::Ok || patroni.mode == RunMode::Check) return to_int(*code);
                // The standbys reconnect to the new leader by themselves: the verify pass is
                // repeated (quietly) for up to 30 s until it is healthy, then printed.
                VerifyOptions verify_options;
                verify_options.reach = reach_probe(options->reach_timeout);
                const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
                std::string shown;
                int verified = 1;
                do {
                    std::ostringstream text;
                    verified = run_verify(*inventory, verify_options, ssh_factory(context), text);
                    shown = text.str();
                    if (verified != 0) std::this_thread::sleep_for(std::chrono::seconds(1));
                } while (verified != 0 && std::chrono::steady_clock::now() < until);
                std::cout << "verify:\n" << shown;
                return verified;
            }
            SwitchoverOptions switchover_options;
            switchover_options.target = options->host;
            switchover_options.mode = options->check ? RunMode::Check : RunMode::Apply;
            switchover_options.timeout = std::chrono::seconds(options->timeout);
            switchover_options.reach = reach_probe(options->reach_timeout);
            switchover_options.wait_lock = std::chrono::seconds(options->wait_lock);
            switchover_options.update_inventory =
                options->update_inventory ? UpdateInventory::Yes : UpdateInventory::No;
            // With --json the progress lines go to stderr; stdout holds only the document.
            std::ostream& progress = options->json ? std::cerr : std::cout;
            const auto report =
                run_switchover(*inventory, switchover_options, ssh_factory(context), progress);
            auto document = switchover_run_report(*inventory, report, switchover_options.mode);
            int code = to_int(report.exit_code);
            if (report.outcome == SwitchoverOutcome::Switched) {
                // The proof: a verify pass over the live topology (probe record included), with
                // the inventory as --update-inventory left it.
                if (options->update_inventory) {
                    if (auto updated = load_or_report(inventory->path))
                        inventory = std::move(updated);
                }
                VerifyOptions verify_options;
                verify_options.reach = switchover_options.reach;
                if (!options->json) {
                    std::cout << "verify:\n";
                    return run_verify(*inventory, verify_options, ssh_factory(context), std::cout);
                }
                verify_options.format = VerifyFormat::Json;
                std::ostringstream verified;
                code = run_verify(*inventory, verify_options, ssh_factory(context), verified);
                document.verify_document = verified.str();
                document.exit_code = static_cast<ExitCode>(code);
            }
            if (options->json) std::cout << run_report_json(document) << std::endl;
            return code;
        };
    });
}

}  // namespace pgrepl::cli
