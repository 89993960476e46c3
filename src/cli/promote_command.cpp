#include <spdlog/spdlog.h>

#include "common.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl::cli {

void add_promote_command(CLI::App& app, Context& context) {
    struct Options {
        std::string host;
        bool force = false;
    };
    auto options = std::make_shared<Options>();
    auto* promote = app.add_subcommand("promote", "Fail over to a replica; the others follow it");
    promote->add_option("HOST", options->host, "The replica to promote")->required();
    promote->add_flag(
        "--force", options->force,
        "Promote even if the primary is alive (it is fenced first) or the target is behind");
    promote->callback([&context, options] {
        context.action = [&context, options] {
            auto inventory = load_or_report(resolve_inventory_path(context.global));
            if (!inventory) return to_int(ExitCode::Usage);
            spdlog::error("promote: not implemented yet");
            return to_int(ExitCode::Failed);
        };
    });
}

}  // namespace pgrepl::cli
