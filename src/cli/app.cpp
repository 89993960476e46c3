#include "pgrepl/cli/app.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>

#include "command_line.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

int run_cli(int argc, char** argv) {
    cli::CommandLine command_line;
    if (const auto code = command_line.parse(argc, argv, std::cout, std::cerr)) return *code;
    try {
        return command_line.run();
    } catch (const std::exception& error) {
        spdlog::critical("pgrepl: internal error: {}", error.what());
        spdlog::critical("hint: this is a bug in pgrepl; please report it with the output of -vv");
        return to_int(exit_code_for(ErrorKind::Internal));
    }
}

}  // namespace pgrepl
