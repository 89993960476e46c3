// The whole command line of pgrepl: built and parsed without running anything, so that where
// the options may stand can be tested without a host.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "common.hpp"

namespace pgrepl::cli {

/// What `pgrepl --version` prints: the version and git commit, the libraries it was built with
/// (libssh, yaml-cpp, spdlog, fmt, CLI11) and how it reaches PostgreSQL.
std::string version_text();

/// The main app with its global options and every command. parse() fills context(): the global
/// options (before and after the command), the positional inventory, the chosen command and its
/// action; run() runs it.
class CommandLine {
  public:
    /// Registers the global options and the commands.
    CommandLine();
    CommandLine(const CommandLine&) = delete;
    CommandLine& operator=(const CommandLine&) = delete;

    /// Parses argv. Returns the exit code when pgrepl stops here (0 after --help or --version,
    /// printed on `out`; 2 after a usage error, printed on `err`), std::nullopt when the chosen
    /// command is to run.
    std::optional<int> parse(int argc, const char* const* argv, std::ostream& out,
                             std::ostream& err);

    /// What parse() found.
    const Context& context() const { return context_; }

    /// Sets up logging from the global options and runs the chosen command; returns its exit
    /// code.
    int run();

  private:
    Context context_;  // before app_: the commands' callbacks refer to it
    CLI::App app_;
};

}  // namespace pgrepl::cli
