#include "pgrepl/exec/quote.hpp"
#include "support/run_sh.hpp"

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/run_sh.hpp"

namespace pgrepl {
namespace {

const std::vector<std::string>& hostile_values() {
    static const std::vector<std::string> values = {
        "",
        "plain",
        "it's",
        "'",
        "''",
        "'\\''",
        "$(touch /tmp/pgrepl-pwned)",
        "`id`",
        "a; rm -rf /",
        "a && b || c",
        "line1\nline2\n",
        "\n",
        "*",
        "/etc/*.conf ?[a-z]",
        "-n",
        "--help",
        "-e \\n",
        "$HOME ${PATH} $1 $@ $$",
        "\"double\" \\backslash\\",
        "tab\there",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98",
        "~root",
        "a|b>c<d&e",
        "#comment",
        "!history",
        std::string("\x01\x7f\xff", 3),
    };
    return values;
}

TEST(ExecQuote, WrapsInSingleQuotes) {
    EXPECT_EQ(shell_quote("abc"), "'abc'");
    EXPECT_EQ(shell_quote(""), "''");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote("$(x)"), "'$(x)'");
}

TEST(ExecQuote, NulThrows) {
    EXPECT_THROW(shell_quote(std::string("a\0b", 3)), std::invalid_argument);
}

TEST(ExecQuote, RoundTripsThroughRealShell) {
    for (const std::string& value : hostile_values()) {
        EXPECT_EQ(run_sh("printf %s " + shell_quote(value)), value) << "value: [" << value << "]";
    }
}

TEST(ExecQuote, RoundTripsThroughNestedShells) {
    // As the executor does it: a script holding quoted values is itself quoted for `sh -c`.
    for (const std::string& value : hostile_values()) {
        const std::string script = "printf %s " + shell_quote(value);
        EXPECT_EQ(run_sh("sh -c " + shell_quote(script)), value) << "value: [" << value << "]";
    }
}

TEST(ExecQuote, SeveralWordsStaySeparate) {
    const std::string command =
        "printf '[%s]' " + shell_quote("a b") + " " + shell_quote("") + " " + shell_quote("c'd");
    EXPECT_EQ(run_sh(command), "[a b][][c'd]");
}

}  // namespace
}  // namespace pgrepl
