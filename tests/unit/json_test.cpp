// The JSON conventions of pgrepl's documents (pgrepl/util/json.hpp over nlohmann-json): member
// order, layout, numbers, and strings from remote output that may not be valid UTF-8.
#include "pgrepl/util/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace pgrepl {
namespace {

struct QuoteCase {
    std::string input;
    std::string expected;
};

class JsonStringTest : public ::testing::TestWithParam<QuoteCase> {};

TEST_P(JsonStringTest, Escapes) {
    EXPECT_EQ(json_dump(Json(GetParam().input)), GetParam().expected);
}

// '/' and valid UTF-8 are kept; invalid UTF-8 becomes U+FFFD (written as UTF-8), never throws.
INSTANTIATE_TEST_SUITE_P(
    Cases, JsonStringTest,
    ::testing::Values(QuoteCase{"", R"("")"}, QuoteCase{"plain", R"("plain")"},
                      QuoteCase{"a\"b", R"("a\"b")"}, QuoteCase{"a\\b", R"("a\\b")"},
                      QuoteCase{"/", R"("/")"}, QuoteCase{"l1\nl2\r\t\b\f", R"("l1\nl2\r\t\b\f")"},
                      QuoteCase{std::string("nul\0x", 5), R"("nul\u0000x")"},
                      QuoteCase{"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
                      QuoteCase{"caf\xC3\xA9", "\"caf\xC3\xA9\""},            // é kept
                      QuoteCase{"\xE2\x82\xAC", "\"\xE2\x82\xAC\""},          // € kept
                      QuoteCase{"\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\""},  // emoji kept
                      QuoteCase{"latin1 \xE9t\xE9", "\"latin1 \xEF\xBF\xBDt\xEF\xBF\xBD\""},
                      QuoteCase{"cut \xE2\x82", "\"cut \xEF\xBF\xBD\""}));

TEST(JsonNumber, IntegralValuesAreIntegers) {
    EXPECT_EQ(json_dump(json_number(10.0)), "10");
    EXPECT_EQ(json_dump(json_number(30.0)), "30");
    EXPECT_EQ(json_dump(json_number(-0.0)), "0");
    EXPECT_EQ(json_dump(json_number(1e16)), "1e+16");
}

TEST(JsonNumber, FractionsAndNonFinite) {
    EXPECT_EQ(json_dump(json_number(0.1)), "0.1");
    EXPECT_EQ(json_dump(json_number(1.5)), "1.5");
    EXPECT_EQ(json_dump(json_number(-2.25)), "-2.25");
    EXPECT_EQ(json_dump(json_number(0.004)), "0.004");
    EXPECT_EQ(json_dump(json_number(1700000000.123456)), "1700000000.123456");
    EXPECT_EQ(json_dump(json_number(std::nan(""))), "null");
    EXPECT_EQ(json_dump(json_number(std::numeric_limits<double>::infinity())), "null");
    EXPECT_DOUBLE_EQ(Json::parse(json_dump(json_number(1e300))).get<double>(), 1e300);
}

TEST(JsonValue, OptionalsAndTextOrNull) {
    EXPECT_EQ(json_dump(json_value(std::optional<int>())), "null");
    EXPECT_EQ(json_dump(json_value(std::optional<double>(3.0))), "3");
    EXPECT_EQ(json_dump(json_value(std::optional<std::string>("v"))), R"("v")");
    EXPECT_EQ(json_dump(json_text_or_null("")), "null");
    EXPECT_EQ(json_dump(Json(18446744073709551615ull)), "18446744073709551615");
}

TEST(JsonDump, KeepsInsertionOrderAndIndentsByTwo) {
    const Json document = {{"z", 1},
                           {"healthy", false},
                           {"m", nullptr},
                           {"hosts", Json::array({{{"name", "db1"}}})},
                           {"empty", Json::array()},
                           {"none", Json::object()}};
    EXPECT_EQ(json_dump(document),
              "{\n"
              "  \"z\": 1,\n"
              "  \"healthy\": false,\n"
              "  \"m\": null,\n"
              "  \"hosts\": [\n"
              "    {\n"
              "      \"name\": \"db1\"\n"
              "    }\n"
              "  ],\n"
              "  \"empty\": [],\n"
              "  \"none\": {}\n"
              "}");
}

TEST(JsonDump, RoundTripsEveryAsciiCharacter) {
    std::string every;
    for (int c = 0; c < 0x80; ++c) every.push_back(static_cast<char>(c));
    every += "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA8";
    EXPECT_EQ(Json::parse(json_dump(Json{{"s", every}}))["s"], every);
}

}  // namespace
}  // namespace pgrepl
