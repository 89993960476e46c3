// The libssh pgrepl was built with and runs with (pgrepl --version).
#pragma once

#include <string>

namespace pgrepl {

/// "0.10.4" for the libssh headers the binary was compiled against, and " (runtime X)" when
/// the loaded library reports another version.
std::string libssh_version();

}  // namespace pgrepl
