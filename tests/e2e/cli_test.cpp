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
    EXPECT_NE(result.err.find("unknown command or option: --no-such-option"), std::string::npos)
        << result.describe();
}

TEST(Cli, UnknownCommandIsNamed) {
    const ProcessResult result = run_pgrepl({"promot", "db2"});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_NE(result.err.find("unknown command or option: promot"), std::string::npos)
        << result.describe();
    EXPECT_NE(result.err.find("hint: the commands are"), std::string::npos) << result.describe();
}

}  // namespace
}  // namespace pgrepl::e2e
