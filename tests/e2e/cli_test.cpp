// The pgrepl binary itself, run as a user would run it.
#include <gtest/gtest.h>

#include <string>

#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

TEST(Cli, VersionExitsZero) {
    const ProcessResult result = run_pgrepl({"--version"});
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_TRUE(result.out.starts_with(std::string("pgrepl ") + PGREPL_VERSION + " (commit "))
        << result.describe();
    // The commit this checkout holds (the suite runs from a git checkout: scripts/test).
    const ProcessResult head =
        run_local({"git", "-C", PGREPL_SOURCE_DIR, "rev-parse", "--short=12", "HEAD"});
    ASSERT_EQ(head.exit_code, 0) << head.describe();
    EXPECT_NE(result.out.find("(commit " + head.out.substr(0, 12)), std::string::npos)
        << result.describe();
    for (const char* part : {"built with libssh 0.10.", "yaml-cpp 0.7.", "spdlog 1.10.", "fmt 9.",
                             "CLI11 2.1.", "PostgreSQL: manages 9.6 to 17"})
        EXPECT_NE(result.out.find(part), std::string::npos) << part << "\n" << result.out;
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

// The lab's environment sets $PGREPL_INVENTORY (cluster "lab"); these inventories say "e2e", so
// the output tells which file was read.
TEST(Cli, GlobalOptionsAfterTheCommand) {
    TempDir dir;
    const auto inventory = write_inventory(dir);
    auto check = run_pgrepl({"inventory", "check", "-i", inventory});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_NE(check.out.find("cluster: e2e"), std::string::npos) << check.describe();

    // Healthy or not (whatever an earlier test left), verify reads the inventory after -i.
    auto verify = run_pgrepl({"verify", "-i", inventory, "--json", "-q"});
    EXPECT_NE(verify.exit_code, 2) << verify.describe();
    EXPECT_NE(verify.out.find(R"("cluster": "e2e")"), std::string::npos) << verify.describe();

    auto logged = run_pgrepl({"inventory", "-v", "check", "--log-file", dir.file("log"), "-v"});
    EXPECT_EQ(logged.exit_code, 0) << logged.describe();

    auto excluded = run_pgrepl({"-q", "setup", "--check", "-v", inventory});
    EXPECT_EQ(excluded.exit_code, 2) << excluded.describe();
    EXPECT_NE(excluded.err.find("--quiet excludes --verbose"), std::string::npos)
        << excluded.describe();

    auto help = run_pgrepl({"promote", "--help"});
    EXPECT_EQ(help.exit_code, 0) << help.describe();
    EXPECT_NE(help.out.find("-i,--inventory FILE"), std::string::npos) << help.describe();
}

// What the fuzzer found (fuzz/inventory_fuzz.cpp): a NUL byte, or bytes that are not UTF-8,
// are exit 2 with FILE:LINE:COL and an escaped, printable message, for every command.
TEST(Cli, BinaryBytesInTheInventoryAreExit2AtTheirPosition) {
    TempDir dir;
    const std::string inventory = dir.file("binary.yaml");
    static constexpr char kPrefix[] = "cluster: e2e\n# x\0\x1b[2J\n";
    write_local_file(inventory, std::string(kPrefix, sizeof kPrefix - 1) +
                                    read_local_file(write_inventory(dir)));
    for (const char* command : {"setup", "verify"}) {
        const ProcessResult result = run_pgrepl({command, inventory});
        EXPECT_EQ(result.exit_code, 2) << result.describe();
        EXPECT_NE(result.err.find(inventory + ":2:4: not a YAML text: control character \\x00"),
                  std::string::npos)
            << result.describe();
        EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.describe();
    }
}

}  // namespace
}  // namespace pgrepl::e2e
