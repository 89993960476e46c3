// Where the global options may stand: before the command, after it, or both, for every command
// (inventory check and ping included). Only parsing: no command runs, no host is contacted.
#include "cli/command_line.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace pgrepl::cli {
namespace {

/// One parse of `pgrepl ARGS...`.
struct Parsed {
    std::optional<int> exit_code;  ///< set when pgrepl would stop after parsing
    Context context;               ///< what the parse found (without the action)
    std::string out;               ///< what was printed on stdout (help)
    std::string err;               ///< what was printed on stderr (usage errors)
};

Parsed parse(const std::vector<std::string>& args) {
    std::vector<const char*> argv{"pgrepl"};
    for (const auto& arg : args) argv.push_back(arg.c_str());
    CommandLine command_line;
    std::ostringstream out;
    std::ostringstream err;
    Parsed parsed;
    parsed.exit_code = command_line.parse(static_cast<int>(argv.size()), argv.data(), out, err);
    parsed.context = command_line.context();
    parsed.context.action = nullptr;  // it refers to command_line, which ends here
    parsed.out = out.str();
    parsed.err = err.str();
    return parsed;
}

std::string joined(const std::vector<std::string>& args) {
    std::string text = "pgrepl";
    for (const auto& arg : args) text += " " + arg;
    return text;
}

TEST(CliCommandLine, InventoryOptionBeforeOrAfterEveryCommand) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"-i", "f.yaml", "verify"}, "verify"},
        {{"verify", "-i", "f.yaml"}, "verify"},
        {{"verify", "--inventory", "f.yaml", "--json"}, "verify"},
        {{"verify", "--inventory=f.yaml"}, "verify"},
        {{"setup", "--check", "-i", "f.yaml"}, "setup"},
        {{"promote", "db2", "-i", "f.yaml", "--check"}, "promote"},
        {{"-i", "f.yaml", "promote", "db2"}, "promote"},
        {{"inventory", "check", "-i", "f.yaml"}, "inventory check"},
        {{"inventory", "-i", "f.yaml", "check"}, "inventory check"},
        {{"--inventory", "f.yaml", "inventory", "check"}, "inventory check"},
        {{"ping", "-i", "f.yaml"}, "ping"},
        {{"-i", "f.yaml", "ping"}, "ping"},
    };
    for (const auto& [args, command] : cases) {
        const Parsed parsed = parse(args);
        EXPECT_FALSE(parsed.exit_code) << joined(args) << ": " << parsed.err;
        EXPECT_EQ(parsed.context.command, command) << joined(args);
        EXPECT_EQ(parsed.context.global.inventory, "f.yaml") << joined(args);
        EXPECT_EQ(resolve_inventory_path(parsed.context), "f.yaml") << joined(args);
    }
}

TEST(CliCommandLine, VerboseCountsAddUpBeforeAndAfterTheCommand) {
    const std::vector<std::pair<std::vector<std::string>, int>> cases = {
        {{"setup"}, 0},
        {{"-v", "setup"}, 1},
        {{"setup", "-v"}, 1},
        {{"setup", "-vv"}, 2},
        {{"-vv", "setup"}, 2},
        {{"-v", "setup", "-v"}, 2},
        {{"verify", "--verbose", "-v"}, 2},
        {{"inventory", "-v", "check", "-v"}, 2},
        {{"promote", "-vv", "db2"}, 2},
    };
    for (const auto& [args, verbose] : cases) {
        const Parsed parsed = parse(args);
        EXPECT_FALSE(parsed.exit_code) << joined(args) << ": " << parsed.err;
        EXPECT_EQ(parsed.context.global.verbose, verbose) << joined(args);
        EXPECT_FALSE(parsed.context.global.quiet) << joined(args);
    }
}

TEST(CliCommandLine, QuietExcludesVerboseWhereverEachStands) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"setup", "-q"}, {"-q", "verify"}, {"ping", "--quiet"}}) {
        const Parsed parsed = parse(args);
        EXPECT_FALSE(parsed.exit_code) << joined(args) << ": " << parsed.err;
        EXPECT_TRUE(parsed.context.global.quiet) << joined(args);
    }
    for (const std::vector<std::string>& args : {std::vector<std::string>{"-q", "-v", "setup"},
                                                 {"-q", "setup", "-v"},
                                                 {"-v", "setup", "-q"},
                                                 {"setup", "-q", "-vv"}}) {
        const Parsed parsed = parse(args);
        EXPECT_EQ(parsed.exit_code, 2) << joined(args);
        EXPECT_NE(parsed.err.find("--quiet excludes --verbose"), std::string::npos)
            << joined(args) << ": " << parsed.err;
    }
}

TEST(CliCommandLine, LogFileBeforeOrAfterTheCommand) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--log-file", "x.log", "verify"},
          {"verify", "--log-file", "x.log", "--json"},
          {"inventory", "check", "--log-file=x.log"}}) {
        const Parsed parsed = parse(args);
        EXPECT_FALSE(parsed.exit_code) << joined(args) << ": " << parsed.err;
        EXPECT_EQ(parsed.context.global.log_file.value_or(""), "x.log") << joined(args);
    }
}

TEST(CliCommandLine, ThePositionalInventoryComesBeforeTheOption) {
    // As README says: the positional argument, else -i, wherever -i stands.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"setup", "-v", "a.yaml"},
          {"-i", "b.yaml", "setup", "a.yaml"},
          {"setup", "a.yaml", "-i", "b.yaml"},
          {"verify", "-i", "b.yaml", "a.yaml", "--json"},
          {"inventory", "check", "a.yaml", "-i", "b.yaml"}}) {
        const Parsed parsed = parse(args);
        EXPECT_FALSE(parsed.exit_code) << joined(args) << ": " << parsed.err;
        EXPECT_EQ(parsed.context.inventory_argument, "a.yaml") << joined(args);
        EXPECT_EQ(resolve_inventory_path(parsed.context), "a.yaml") << joined(args);
    }
}

TEST(CliCommandLine, AnOptionWithAValueGivenTwiceIsAUsageError) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"-i", "a.yaml", "verify", "-i", "b.yaml"},
          {"--log-file", "a.log", "setup", "--log-file", "b.log"}}) {
        const Parsed parsed = parse(args);
        EXPECT_EQ(parsed.exit_code, 2) << joined(args);
        EXPECT_NE(parsed.err.find("was given twice"), std::string::npos)
            << joined(args) << ": " << parsed.err;
    }
}

TEST(CliCommandLine, UnknownOptionsAfterTheCommandAreStillRefused) {
    const Parsed parsed = parse({"verify", "--bogus"});
    EXPECT_EQ(parsed.exit_code, 2);
    EXPECT_NE(parsed.err.find("--bogus"), std::string::npos) << parsed.err;
}

TEST(CliCommandLine, EveryCommandsHelpListsTheGlobalOptions) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"},
                                                 {"setup", "--help"},
                                                 {"verify", "--help"},
                                                 {"promote", "--help"},
                                                 {"inventory", "check", "--help"},
                                                 {"ping", "--help"}}) {
        const Parsed parsed = parse(args);
        EXPECT_EQ(parsed.exit_code, 0) << joined(args) << ": " << parsed.err;
        for (const char* option : {"Global options", "-i,--inventory FILE", "-v,--verbose",
                                   "-q,--quiet", "--log-file FILE"}) {
            EXPECT_NE(parsed.out.find(option), std::string::npos)
                << joined(args) << " does not list " << option << ":\n"
                << parsed.out;
        }
    }
}

TEST(CliCommandLine, LimitTakesOneValueSoTheInventoryMayFollowIt) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"setup", "--limit", "db1", "f.yaml"},
             {"setup", "--limit", "db1,db2", "f.yaml", "--check"},
             {"setup", "f.yaml", "--limit", "db1", "--limit", "db2"}}) {
        const Parsed parsed = parse(args);
        EXPECT_FALSE(parsed.exit_code) << joined(args) << ": " << parsed.err;
        EXPECT_EQ(parsed.context.inventory_argument, "f.yaml") << joined(args);
    }
}

}  // namespace
}  // namespace pgrepl::cli
