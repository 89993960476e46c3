#include "pgrepl/exec/ssh_version.hpp"

#include <fmt/format.h>
#include <libssh/libssh.h>

#include <string_view>

namespace pgrepl {

std::string libssh_version() {
    const std::string built =
        fmt::format("{}.{}.{}", LIBSSH_VERSION_MAJOR, LIBSSH_VERSION_MINOR, LIBSSH_VERSION_MICRO);
    // ssh_version() gives "0.10.4/openssl/zlib": the version before the first '/'.
    const char* runtime = ssh_version(0);
    std::string_view loaded = runtime == nullptr ? "" : runtime;
    loaded = loaded.substr(0, loaded.find('/'));
    if (loaded.empty() || loaded == built) return built;
    return fmt::format("{} (runtime {})", built, loaded);
}

}  // namespace pgrepl
