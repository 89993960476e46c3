#include "pgrepl/util/text.hpp"

#include <gtest/gtest.h>

namespace pgrepl {
namespace {

TEST(UtilText, NextLineWalksLinesAndKeepsCarriageReturn) {
    std::string_view text = "a\r\nb\n\nc";
    std::size_t pos = 0;
    EXPECT_EQ(next_line(text, pos), "a\r");
    EXPECT_EQ(next_line(text, pos), "b");
    EXPECT_EQ(next_line(text, pos), "");
    EXPECT_EQ(next_line(text, pos), "c");
    EXPECT_EQ(pos, text.size());
    EXPECT_EQ(next_line(text, pos), "");
    EXPECT_EQ(pos, text.size());
}

TEST(UtilText, SplitLinesCountsALastLineWithoutNewline) {
    EXPECT_TRUE(split_lines("").empty());
    EXPECT_EQ(split_lines("x\n"), (std::vector<std::string_view>{"x"}));
    EXPECT_EQ(split_lines("x\n\ny"), (std::vector<std::string_view>{"x", "", "y"}));
}

TEST(UtilText, FirstLineSkipsBlankLines) {
    EXPECT_EQ(first_line("\n  \r\n  psql: error: no\nmore\n"), "psql: error: no");
    EXPECT_EQ(first_line(" \n\t\n"), "");
}

TEST(UtilText, TrimAndTrimLineEnd) {
    EXPECT_EQ(trim(" \tab c\r\n"), "ab c");
    EXPECT_EQ(trim("   "), "");
    EXPECT_EQ(trim_line_end("x y\r\n\n"), "x y");
    EXPECT_EQ(trim_line_end(" x "), " x ");
}

}  // namespace
}  // namespace pgrepl
