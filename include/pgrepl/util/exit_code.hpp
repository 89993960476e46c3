// The process exit codes, the same for every command (documented in README.md).
#pragma once

#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// Exit codes of the pgrepl binary.
enum class ExitCode : int {
    Ok = 0,       ///< success, or replication healthy
    Failed = 1,   ///< an operation failed, or replication is unhealthy
    Usage = 2,    ///< usage or inventory error: nothing was touched
    Refused = 3,  ///< refused for safety
};

/// The integer value to return from main().
constexpr int to_int(ExitCode code) {
    return static_cast<int>(code);
}

/// The exit code of a command that ended with an error of `kind`: Usage for usage and inventory
/// errors (nothing was touched), Refused for refusals, Failed for every other kind. Every
/// command's non-zero exit code goes through this function.
ExitCode exit_code_for(ErrorKind kind);

}  // namespace pgrepl
