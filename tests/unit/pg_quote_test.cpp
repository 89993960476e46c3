#include "pgrepl/pg/quote.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace pgrepl {
namespace {

using namespace std::string_literals;

TEST(PgQuote, ConfQuoteDoublesQuotesAndBackslashes) {
    EXPECT_EQ(conf_quote(""), "''");
    EXPECT_EQ(conf_quote("*"), "'*'");
    EXPECT_EQ(conf_quote("it's"), "'it''s'");
    EXPECT_EQ(conf_quote(R"(C:\wal\%f)"), R"('C:\\wal\\%f')");
    EXPECT_EQ(conf_quote(R"(\')"), R"('\\''')");
    EXPECT_EQ(conf_quote("a # b = 'c'"), "'a # b = ''c'''");
    EXPECT_EQ(conf_quote("cp %p /arch/%f && echo $(id) `x`"), "'cp %p /arch/%f && echo $(id) `x`'");
}

TEST(PgQuote, ConfQuoteRejectsLineBreaksAndNul) {
    EXPECT_THROW(conf_quote("a\nb"), std::invalid_argument);
    EXPECT_THROW(conf_quote("a\rb"), std::invalid_argument);
    EXPECT_THROW(conf_quote("a\0b"s), std::invalid_argument);
}

TEST(PgQuote, ConninfoQuoteEscapesWithBackslash) {
    EXPECT_EQ(conninfo_quote(""), "''");
    EXPECT_EQ(conninfo_quote("db2"), "'db2'");
    EXPECT_EQ(conninfo_quote("it's"), R"('it\'s')");
    EXPECT_EQ(conninfo_quote(R"(a\b)"), R"('a\\b')");
    EXPECT_EQ(conninfo_quote("a b=c"), "'a b=c'");
    EXPECT_THROW(conninfo_quote("a\0b"s), std::invalid_argument);
}

TEST(PgQuote, ConninfoValueQuotesOnlyWhenNeeded) {
    EXPECT_EQ(conninfo_value("10.0.0.1"), "10.0.0.1");
    EXPECT_EQ(conninfo_value("fe80::1"), "fe80::1");
    EXPECT_EQ(conninfo_value("/var/lib/postgresql/.pgpass"), "/var/lib/postgresql/.pgpass");
    EXPECT_EQ(conninfo_value("db-2_a"), "db-2_a");
    EXPECT_EQ(conninfo_value(""), "''");
    EXPECT_EQ(conninfo_value("a b"), "'a b'");
    EXPECT_EQ(conninfo_value("a=b"), "'a=b'");
    EXPECT_EQ(conninfo_value("o'neil"), R"('o\'neil')");
    EXPECT_EQ(conninfo_value(R"(x\y)"), R"('x\\y')");
}

TEST(PgQuote, ConninfoRoundTripsThroughParser) {
    const std::string hostile = R"(a 'b' \c = d\\)";
    const std::string text = "user=" + conninfo_value(hostile) + " host=h port = 5432";
    const auto pairs = parse_conninfo(text);
    ASSERT_TRUE(pairs);
    ASSERT_EQ(pairs->size(), 3u);
    EXPECT_EQ((*pairs)[0].first, "user");
    EXPECT_EQ((*pairs)[0].second, hostile);
    EXPECT_EQ((*pairs)[1].second, "h");
    EXPECT_EQ((*pairs)[2].first, "port");
    EXPECT_EQ((*pairs)[2].second, "5432");
}

TEST(PgQuote, ParseConninfoRejectsMalformed) {
    EXPECT_FALSE(parse_conninfo("host"));
    EXPECT_FALSE(parse_conninfo("host='open"));
    EXPECT_FALSE(parse_conninfo("=x"));
    const auto empty = parse_conninfo("   ");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST(PgQuote, SqlLiteral) {
    EXPECT_EQ(sql_literal(""), "''");
    EXPECT_EQ(sql_literal("replicator"), "'replicator'");
    EXPECT_EQ(sql_literal("x'; DROP TABLE t; --"), "'x''; DROP TABLE t; --'");
    // A backslash makes an escape string, whatever standard_conforming_strings says.
    EXPECT_EQ(sql_literal(R"(a\'b)"), R"(E'a\\''b')");
    EXPECT_EQ(sql_literal("$$ \" ;"), "'$$ \" ;'");
    EXPECT_THROW(sql_literal("a\0"s), std::invalid_argument);
}

TEST(PgQuote, SqlIdentifier) {
    EXPECT_EQ(sql_identifier("replicator"), "\"replicator\"");
    EXPECT_EQ(sql_identifier("Rep\"l"), "\"Rep\"\"l\"");
    EXPECT_EQ(sql_identifier("a'b c"), "\"a'b c\"");
    EXPECT_THROW(sql_identifier(""), std::invalid_argument);
    EXPECT_THROW(sql_identifier("a\0"s), std::invalid_argument);
}

TEST(PgQuote, PgpassEscape) {
    EXPECT_EQ(pgpass_escape("plain"), "plain");
    EXPECT_EQ(pgpass_escape("p:a\\ss"), "p\\:a\\\\ss");
    EXPECT_EQ(pgpass_escape("fe80::1"), "fe80\\:\\:1");
    EXPECT_EQ(pgpass_escape("sp ace'\"*"), "sp ace'\"*");
    EXPECT_THROW(pgpass_escape("a\nb"), std::invalid_argument);
    EXPECT_THROW(pgpass_escape("a\0"s), std::invalid_argument);
}

TEST(PgQuote, HbaQuote) {
    EXPECT_EQ(hba_quote("replicator"), "replicator");
    EXPECT_EQ(hba_quote("rep-1.x"), "rep-1.x");
    EXPECT_EQ(hba_quote("all"), "\"all\"");
    EXPECT_EQ(hba_quote("replication"), "\"replication\"");
    EXPECT_EQ(hba_quote("+group"), "\"+group\"");
    EXPECT_EQ(hba_quote("@file"), "\"@file\"");
    EXPECT_EQ(hba_quote("a b,c#d"), "\"a b,c#d\"");
    EXPECT_EQ(hba_quote("q\"q"), "\"q\"\"q\"");
    EXPECT_THROW(hba_quote(""), std::invalid_argument);
    EXPECT_THROW(hba_quote("a\nb"), std::invalid_argument);
}

}  // namespace
}  // namespace pgrepl

namespace pgrepl {
namespace {

TEST(ConfUnquote, UndoesConfQuote) {
    for (const std::string value : {"", "plain", "it's", "a\\b", "''", "\\\\", "x'\\'y"}) {
        EXPECT_EQ(conf_unquote(conf_quote(value)), value) << value;
    }
}

TEST(ConfUnquote, LeavesABareValueAsItIs) {
    EXPECT_EQ(conf_unquote("200"), "200");
    EXPECT_EQ(conf_unquote("on"), "on");
    EXPECT_EQ(conf_unquote("'"), "'");
}

}  // namespace
}  // namespace pgrepl
