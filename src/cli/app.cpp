#include "pgrepl/cli/app.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>

#include "common.hpp"
#include "pgrepl/util/exit_code.hpp"
#include "pgrepl/util/log.hpp"

namespace pgrepl {
namespace {

Verbosity verbosity_of(const cli::GlobalOptions& global) {
    if (global.quiet) return Verbosity::Quiet;
    if (global.verbose >= 2) return Verbosity::Trace;
    if (global.verbose == 1) return Verbosity::Verbose;
    return Verbosity::Normal;
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"pgrepl: PostgreSQL streaming replication, provisioned over SSH, safe to re-run"};
    app.name("pgrepl");
    app.require_subcommand(1);
    app.footer(
        "Exit codes: 0 success/healthy, 1 operation failed/unhealthy, 2 usage or inventory error "
        "(nothing touched), 3 refused for safety.");
    cli::Context context;
    app.add_option("-i,--inventory", context.global.inventory,
                   "Inventory file (default: $PGREPL_INVENTORY, else ./inventory.yaml)");
    auto* verbose =
        app.add_flag("-v,--verbose", context.global.verbose, "More output (-vv: trace)");
    app.add_flag("-q,--quiet", context.global.quiet, "Only warnings and errors")->excludes(verbose);
    app.add_option("--log-file", context.global.log_file, "Also log (debug level) to this file");
    app.set_version_flag("--version", "pgrepl " PGREPL_VERSION);

    cli::add_setup_command(app, context);
    cli::add_verify_command(app, context);
    cli::add_promote_command(app, context);
    cli::add_inventory_command(app, context);
    cli::add_ping_command(app, context);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // "pgrepl bogus" or "pgrepl --bogus": name what was not understood, not just "A
        // subcommand is required".
        const auto extras = app.remaining();
        if (app.get_subcommands().empty() && !extras.empty() &&
            dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
            std::cerr << "pgrepl: unknown command or option: " << extras.front()
                      << "\nhint: the commands are setup, verify, promote, inventory check and "
                         "ping; run pgrepl --help\n";
            return to_int(ExitCode::Usage);
        }
        const int code = app.exit(error);
        return code == 0 ? to_int(ExitCode::Ok) : to_int(ExitCode::Usage);
    }
    try {
        setup_logging(verbosity_of(context.global), context.global.log_file);
        if (!context.action) return to_int(ExitCode::Usage);
        return context.action();
    } catch (const std::exception& error) {
        spdlog::critical("pgrepl: internal error: {}", error.what());
        spdlog::critical("hint: this is a bug in pgrepl; please report it with the output of -vv");
        return to_int(ExitCode::Failed);
    }
}

}  // namespace pgrepl
