#include <chrono>
#include <cmath>
#include <iostream>

#include "common.hpp"
#include "pgrepl/handoff/patroni_control.hpp"
#include "pgrepl/promote/promote.hpp"
#include "pgrepl/promote/report.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl::cli {

void add_promote_command(CLI::App& app, Context& context) {
    struct Options {
        std::string host;
        bool force = false;
        bool check = false;
        bool update_inventory = false;
        int connect_timeout = 0;
        double reach_timeout = kDefaultReachTimeout;
        int wait = static_cast<int>(kDefaultPromoteWait.count() / 1000);
        int wait_lock = 0;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto* promote = app.add_subcommand(
        "promote",
        "Fail over to a replica: refuse while the primary is alive (unless --force, which "
        "stops and fences it first), promote the replica, re-point the other standbys to it. "
        "Exit 0 promoted, 1 failed, 2 usage, 3 refused (nothing changed). See docs/promote.md");
    promote->add_option("HOST", options->host, "The replica to promote")->required();
    promote->add_flag("--force", options->force,
                      "Promote even if the primary is alive (it is stopped and fenced first) or "
                      "another standby holds more WAL (it must then be re-cloned)");
    promote->add_flag("--check", options->check, "Show what promote would do; change nothing");
    promote->add_flag("--update-inventory", options->update_inventory,
                      "Rewrite the stale role: values of the inventory file in place (comments "
                      "and layout are kept)");
    promote
        ->add_option("--connect-timeout", options->connect_timeout,
                     "Seconds to wait for each SSH connection (default: the inventory's "
                     "ssh.connect_timeout); an old primary that does not answer in time is "
                     "assumed dead")
        ->check(CLI::Range(1, 3600));
    add_reach_timeout_option(*promote, options->reach_timeout);
    promote
        ->add_option("--wait", options->wait,
                     "Seconds to wait, at most, for evidence that an unreachable old primary is "
                     "down while its standbys still stream from it (after a power loss they do "
                     "until wal_receiver_timeout); 0 decides at once (default 30)")
        ->check(CLI::Range(0, 3600));
    add_wait_lock_option(*promote, options->wait_lock);
    add_json_flag(*promote, options->json);
    add_global_options(*promote, context.global);
    promote->callback([&context, options] {
        context.action = [&context, options] {
            PromoteOptions promote_options;
            promote_options.start = std::chrono::steady_clock::now();
            auto inventory = load_or_report(resolve_inventory_path(context));
            if (!inventory) return to_int(exit_code_for(ErrorKind::Inventory));
            // A cluster handed to Patroni fails over through Patroni (docs/patroni.md).
            PatroniRoleChange patroni;
            patroni.action = PatroniAction::Failover;
            patroni.target = options->host;
            patroni.mode = options->check ? RunMode::Check : RunMode::Apply;
            if (auto code = change_role_through_patroni(*inventory, patroni, ssh_factory(context),
                                                        std::cout))
                return to_int(*code);
            promote_options.target = options->host;
            promote_options.mode = options->check ? RunMode::Check : RunMode::Apply;
            promote_options.force = options->force ? Force::Yes : Force::No;
            promote_options.update_inventory =
                options->update_inventory ? UpdateInventory::Yes : UpdateInventory::No;
            promote_options.show_diffs = context.global.verbose > 0;
            if (options->connect_timeout > 0)
                promote_options.connect_timeout = options->connect_timeout;
            promote_options.reach = reach_probe(options->reach_timeout);
            if (options->reach_timeout > 0) {
                const auto timeout =
                    std::chrono::milliseconds(std::llround(options->reach_timeout * 1000.0));
                promote_options.postgres_reach = [timeout](const Host& host) {
                    return probe_postgres_reach(host, timeout);
                };
            }
            promote_options.wait = std::chrono::seconds(options->wait);
            promote_options.wait_lock = std::chrono::seconds(options->wait_lock);
            if (!options->json) {
                return to_int(
                    run_promote(*inventory, promote_options, ssh_factory(context), std::cout)
                        .exit_code);
            }
            // The progress lines go to stderr; stdout holds only the document.
            const auto done =
                run_promote(*inventory, promote_options, ssh_factory(context), std::cerr);
            auto report = promote_run_report(*inventory, done, promote_options.mode);
            if (report.duration.count() == 0) report.duration = since(promote_options.start);
            std::cout << run_report_json(report) << std::endl;
            return to_int(done.exit_code);
        };
    });
}

}  // namespace pgrepl::cli
