// Runs a command with the local /bin/sh, for unit tests of the scripts pgrepl renders.
#pragma once

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace pgrepl {

/// Runs `command` with /bin/sh -c (popen) and returns its standard output, byte for byte; a
/// command that does not exit 0 is a test failure.
inline std::string run_sh(const std::string& command) {
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        ADD_FAILURE() << "popen failed";
        return {};
    }
    std::string out;
    std::array<char, 4096> buffer{};
    for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;)
        out.append(buffer.data(), n);
    const int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "command failed: " << command;
    return out;
}

}  // namespace pgrepl
