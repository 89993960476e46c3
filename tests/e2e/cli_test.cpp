// The pgrepl binary itself, run as a user would run it.
#include <gtest/gtest.h>

#include <string>

#include "lab.hpp"

namespace pgrepl::e2e {
namespace {

TEST(Cli, VersionExitsZero) {
    const ProcessResult result = run_pgrepl({"--version"});
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_NE(result.out.find(PGREPL_VERSION), std::string::npos) << result.describe();
}

TEST(Cli, UnknownOptionIsAUsageError) {
    const ProcessResult result = run_pgrepl({"--no-such-option"});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_FALSE(result.err.empty()) << result.describe();
}

}  // namespace
}  // namespace pgrepl::e2e
