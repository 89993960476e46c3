#include <spdlog/spdlog.h>

#include "common.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl::cli {

void add_verify_command(CLI::App& app, Context& context) {
    struct Options {
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto* verify = app.add_subcommand("verify", "Prove that replication works, end to end");
    verify->add_flag("--json", options->json, "One JSON document on stdout");
    verify->callback([&context, options] {
        context.action = [&context, options] {
            auto inventory = load_or_report(resolve_inventory_path(context.global));
            if (!inventory) return to_int(ExitCode::Usage);
            spdlog::error("verify: not implemented yet");
            return to_int(ExitCode::Failed);
        };
    });
}

}  // namespace pgrepl::cli
