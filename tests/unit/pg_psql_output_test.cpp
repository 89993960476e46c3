#include "pgrepl/pg/psql_output.hpp"

#include <gtest/gtest.h>

namespace pgrepl {
namespace {

using Rows = std::vector<std::vector<std::string>>;

TEST(PgPsqlOutput, SplitsRowsAndFields) {
    EXPECT_EQ(parse_psql_rows("a|b|c\nd||f\n"), (Rows{{"a", "b", "c"}, {"d", "", "f"}}));
    EXPECT_EQ(parse_psql_rows("a|b"), (Rows{{"a", "b"}}));
    EXPECT_EQ(parse_psql_rows("a|b\r\n\n|\n"), (Rows{{"a", "b"}, {"", ""}}));
    EXPECT_EQ(parse_psql_rows(""), Rows{});
    EXPECT_EQ(parse_psql_rows("\n\n"), Rows{});
    EXPECT_EQ(parse_psql_rows("a,b\n", ','), (Rows{{"a", "b"}}));
    EXPECT_EQ(parse_psql_rows("a|b|\n"), (Rows{{"a", "b", ""}}));
}

TEST(PgPsqlOutput, TableChecksColumnCount) {
    const auto good = parse_psql_table("a|b\nc|d\n", 2, "x");
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(good->size(), 2u);
    const auto bad = parse_psql_table("a|b\nc\n", 2, "pg_stat_replication");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().kind, ErrorKind::Remote);
    EXPECT_EQ(bad.error().message,
              "unexpected psql output for pg_stat_replication: row 2 has 1 fields, expected 2");
}

TEST(PgPsqlOutput, Booleans) {
    EXPECT_EQ(parse_psql_bool("t"), true);
    EXPECT_EQ(parse_psql_bool("f"), false);
    EXPECT_FALSE(parse_psql_bool("true"));
    EXPECT_FALSE(parse_psql_bool(""));
}

TEST(PgPsqlOutput, Integers) {
    EXPECT_EQ(parse_int("0"), 0);
    EXPECT_EQ(parse_int("-12"), -12);
    EXPECT_EQ(parse_int("7157829264375232045"), 7157829264375232045);
    EXPECT_FALSE(parse_int(""));
    EXPECT_FALSE(parse_int("12a"));
    EXPECT_FALSE(parse_int(" 1"));
    EXPECT_FALSE(parse_int("99999999999999999999"));
}

TEST(PgPsqlOutput, Lsn) {
    EXPECT_EQ(parse_lsn("16/B374D848"), (0x16ull << 32) | 0xB374D848ull);
    EXPECT_EQ(parse_lsn("0/0"), 0ull);
    EXPECT_EQ(parse_lsn("0/3000148"), 0x3000148ull);
    EXPECT_EQ(parse_lsn("ffffffff/ffffffff"), 0xFFFFFFFFFFFFFFFFull);
    EXPECT_FALSE(parse_lsn(""));
    EXPECT_FALSE(parse_lsn("16"));
    EXPECT_FALSE(parse_lsn("/1"));
    EXPECT_FALSE(parse_lsn("1/"));
    EXPECT_FALSE(parse_lsn("1/G"));
    EXPECT_FALSE(parse_lsn("1/2/3"));
    EXPECT_FALSE(parse_lsn("100000000/0"));
    EXPECT_FALSE(parse_lsn("-1/0"));
    EXPECT_FALSE(parse_lsn("+1/0"));
    EXPECT_EQ(format_lsn((0x16ull << 32) | 0xB374D848ull), "16/B374D848");
    EXPECT_EQ(format_lsn(0), "0/0");
    EXPECT_EQ(*parse_lsn(format_lsn(0x123456789ABull)), 0x123456789ABull);
}

}  // namespace
}  // namespace pgrepl
