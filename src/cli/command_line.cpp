#include "command_line.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <ostream>

#include "pgrepl/exec/ssh_version.hpp"
#include "pgrepl/util/build_info.hpp"
#include "pgrepl/util/exit_code.hpp"
#include "pgrepl/util/log.hpp"

namespace pgrepl::cli {
namespace {

Verbosity verbosity_of(const GlobalOptions& global) {
    if (global.quiet) return Verbosity::Quiet;
    if (global.verbose >= 2) return Verbosity::Trace;
    if (global.verbose == 1) return Verbosity::Verbose;
    return Verbosity::Normal;
}

}  // namespace

std::string version_text() {
    return fmt::format(
        "pgrepl {} (commit {})\n"
        "built with libssh {}, yaml-cpp {}, spdlog {}.{}.{}, fmt {}.{}.{}, CLI11 {}\n"
        "PostgreSQL: manages 9.6 to 17 with the hosts' own client programs (psql, "
        "pg_basebackup, pg_rewind); links no libpq",
        PGREPL_VERSION, build_commit(), libssh_version(), PGREPL_YAML_CPP_VERSION, SPDLOG_VER_MAJOR,
        SPDLOG_VER_MINOR, SPDLOG_VER_PATCH, FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
        FMT_VERSION % 100, CLI11_VERSION);
}

namespace {

/// "setup", "inventory check": the names of the chosen command and its chosen subcommands.
std::string chosen_command(const CLI::App& app) {
    std::string name;
    const CLI::App* at = &app;
    while (!at->get_subcommands().empty()) {
        at = at->get_subcommands().front();
        name += (name.empty() ? "" : " ") + at->get_name();
    }
    return name;
}

}  // namespace

CommandLine::CommandLine()
    : app_("pgrepl: PostgreSQL streaming replication, provisioned over SSH, safe to re-run") {
    app_.name("pgrepl");
    app_.require_subcommand(1);
    app_.footer(
        "Exit codes: 0 success/healthy, 1 operation failed/unhealthy, 2 usage or inventory error "
        "(nothing touched), 3 refused for safety.");
    add_global_options(app_, context_.global);
    app_.set_version_flag("--version", version_text());

    add_setup_command(app_, context_);
    add_verify_command(app_, context_);
    add_promote_command(app_, context_);
    add_switchover_command(app_, context_);
    add_handoff_command(app_, context_);
    add_inventory_command(app_, context_);
    add_ping_command(app_, context_);
    add_conninfo_command(app_, context_);
}

std::optional<int> CommandLine::parse(int argc, const char* const* argv, std::ostream& out,
                                      std::ostream& err) {
    try {
        app_.parse(argc, argv);
        // -q and -v exclude each other also when one stands before the command and the other
        // after it (each app only sees its own).
        if (context_.global.quiet && context_.global.verbose > 0) {
            throw CLI::ExcludesError("--quiet", "--verbose");
        }
    } catch (const CLI::ParseError& error) {
        // "pgrepl bogus" or "pgrepl --bogus": name what was not understood, not just "A
        // subcommand is required".
        const auto extras = app_.remaining();
        if (app_.get_subcommands().empty() && !extras.empty() &&
            dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
            err << "pgrepl: unknown command or option: " << extras.front()
                << "\nhint: the commands are setup, verify, promote, switchover, inventory check "
                   "and ping; run pgrepl --help\n";
            return to_int(exit_code_for(ErrorKind::Usage));
        }
        const int code = app_.exit(error, out, err);
        return code == 0 ? to_int(ExitCode::Ok) : to_int(exit_code_for(ErrorKind::Usage));
    }
    context_.command = chosen_command(app_);
    if (!context_.action) return to_int(exit_code_for(ErrorKind::Usage));
    return std::nullopt;
}

int CommandLine::run() {
    setup_logging(verbosity_of(context_.global), context_.global.log_file);
    // The crash-point test hook (exec/crash_point.hpp): read once, inert when unset.
    auto hook = parse_crash_point_config(std::getenv(kCrashAfterEnv), std::getenv(kMutationLogEnv));
    if (!hook) {
        spdlog::error("pgrepl: {}", hook.error().message);
        return to_int(exit_code_for(ErrorKind::Usage));
    }
    if (*hook) context_.crash_points = std::make_shared<CrashPoints>(std::move(**hook));
    return context_.action();
}

}  // namespace pgrepl::cli
