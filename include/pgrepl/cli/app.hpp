// The command-line entry point.
#pragma once

namespace pgrepl {

/// Parses the command line, runs the command and returns the process exit code. Catches every
/// exception (a bug or a fatal error), logs it and returns 1.
int run_cli(int argc, char** argv);

}  // namespace pgrepl
