// Logging set-up: spdlog to stderr (colors only on a TTY) and an optional log file.
#pragma once

#include <optional>
#include <string>

namespace pgrepl {

/// How much pgrepl logs.
enum class Verbosity {
    Quiet,    ///< -q: warnings and errors only
    Normal,   ///< default: progress lines
    Verbose,  ///< -v: debug (every remote command's purpose)
    Trace,    ///< -vv: trace (remote command texts, timings)
};

/// Installs the default logger: stderr, colored only when stderr is a TTY, level from
/// `verbosity`; when `log_file` is set, everything at debug level or above also goes there.
void setup_logging(Verbosity verbosity, const std::optional<std::string>& log_file);

}  // namespace pgrepl
