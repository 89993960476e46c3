// The JSON writer and parser (pgrepl/util/json.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "pgrepl/util/json.hpp"

namespace pgrepl {
namespace {

struct QuoteCase {
    std::string input;
    std::string expected;
};

class JsonQuoteTest : public ::testing::TestWithParam<QuoteCase> {};

TEST_P(JsonQuoteTest, Escapes) {
    EXPECT_EQ(json_quote(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JsonQuoteTest,
    ::testing::Values(QuoteCase{"", R"("")"}, QuoteCase{"plain", R"("plain")"},
                      QuoteCase{"a\"b", R"("a\"b")"}, QuoteCase{"a\\b", R"("a\\b")"},
                      QuoteCase{"/", R"("/")"}, QuoteCase{"l1\nl2\r\t\b\f", R"("l1\nl2\r\t\b\f")"},
                      QuoteCase{std::string("nul\0x", 5), R"("nul\u0000x")"},
                      QuoteCase{"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
                      QuoteCase{"caf\xC3\xA9", "\"caf\xC3\xA9\""},            // é kept
                      QuoteCase{"\xE2\x82\xAC", "\"\xE2\x82\xAC\""},          // € kept
                      QuoteCase{"\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\""},  // emoji kept
                      QuoteCase{"\xE2\x80\xA8|\xE2\x80\xA9", R"("\u2028|\u2029")"},
                      QuoteCase{"latin1 \xE9t\xE9", R"("latin1 \ufffdt\ufffd")"},
                      QuoteCase{"\xC0\xAF", R"("\ufffd\ufffd")"},            // overlong '/'
                      QuoteCase{"\xED\xA0\x80", R"("\ufffd\ufffd\ufffd")"},  // surrogate
                      QuoteCase{"\xF4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},
                      QuoteCase{"cut \xE2\x82", R"("cut \ufffd\ufffd")"}));

TEST(JsonNumber, ShortestRoundTrip) {
    EXPECT_EQ(json_number(0.1), "0.1");
    EXPECT_EQ(json_number(1.5), "1.5");
    EXPECT_EQ(json_number(-2.25), "-2.25");
    EXPECT_EQ(json_number(-0.0), "0");
    EXPECT_EQ(json_number(std::nan("")), "null");
    EXPECT_EQ(json_number(std::numeric_limits<double>::infinity()), "null");
    const auto text = json_number(3.0);
    EXPECT_TRUE(text == "3" || text == "3.0") << text;
    EXPECT_DOUBLE_EQ(*parse_json(json_number(1e300))->as_number(), 1e300);
}

TEST(JsonValue, CompactDumpKeepsInsertionOrder) {
    JsonValue doc = JsonValue::object();
    doc.set("z", 1).set("a", true).set("m", nullptr).set("s", "x\"y");
    doc.set("list", JsonValue::array().push(1).push("two").push(JsonValue::object()));
    doc.set("empty", JsonValue::array());
    EXPECT_EQ(doc.dump(), R"({"z":1,"a":true,"m":null,"s":"x\"y","list":[1,"two",{}],"empty":[]})");
}

TEST(JsonValue, SetReplacesInPlace) {
    JsonValue doc;
    doc.set("a", 1).set("b", 2).set("a", 3);
    EXPECT_EQ(doc.dump(), R"({"a":3,"b":2})");
}

TEST(JsonValue, PrettyDump) {
    JsonValue doc;
    doc.set("healthy", false).set("hosts", JsonValue::array().push(JsonValue().set("name", "db1")));
    EXPECT_EQ(doc.dump(JsonStyle::Pretty),
              "{\n"
              "  \"healthy\": false,\n"
              "  \"hosts\": [\n"
              "    {\n"
              "      \"name\": \"db1\"\n"
              "    }\n"
              "  ]\n"
              "}");
}

TEST(JsonValue, IntegersAndOptionals) {
    JsonValue doc;
    doc.set("big", 18446744073709551615ull).set("i64", 9223372036854775807ll);
    doc.set("neg", -5).set("none", JsonValue::optional(std::optional<int>()));
    doc.set("some", JsonValue::optional(std::optional<std::string>("v")));
    EXPECT_EQ(doc.dump(),
              R"({"big":1.8446744073709552e+19,"i64":9223372036854775807,"neg":-5,"none":null,)"
              R"("some":"v"})");
}

TEST(JsonValue, SetOnNonObjectIsABug) {
    JsonValue array = JsonValue::array();
    EXPECT_THROW(array.set("a", 1), std::logic_error);
    JsonValue object = JsonValue::object();
    EXPECT_THROW(object.push(1), std::logic_error);
}

TEST(JsonParse, RoundTripsEveryEscapedString) {
    std::string every;
    for (int c = 0; c < 0x80; ++c) every.push_back(static_cast<char>(c));
    every += "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA8";
    JsonValue doc;
    doc.set("s", every);
    for (auto style : {JsonStyle::Compact, JsonStyle::Pretty}) {
        auto parsed = parse_json(doc.dump(style));
        ASSERT_TRUE(parsed.ok()) << parsed.error().message;
        EXPECT_EQ(parsed->find("s")->as_string(), every);
    }
}

TEST(JsonParse, Values) {
    auto parsed = parse_json(
        R"( {"a": [1, -2.5e1, true, false, null, "\u00e9\ud83d\ude00\/"], "b": {}, "a2": 0} )");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const auto& a = parsed->find("a")->elements();
    ASSERT_EQ(a.size(), 6u);
    EXPECT_EQ(a[0].as_number(), 1.0);
    EXPECT_EQ(a[1].as_number(), -25.0);
    EXPECT_EQ(a[2].as_bool(), true);
    EXPECT_EQ(a[3].as_bool(), false);
    EXPECT_TRUE(a[4].is_null());
    EXPECT_EQ(a[5].as_string(), "\xC3\xA9\xF0\x9F\x98\x80/");
    EXPECT_TRUE(parsed->find("b")->is_object());
    EXPECT_EQ(parsed->find("missing"), nullptr);
}

class JsonParseErrorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(JsonParseErrorTest, Rejects) {
    auto parsed = parse_json(GetParam());
    ASSERT_FALSE(parsed.ok()) << GetParam();
    EXPECT_EQ(parsed.error().kind, ErrorKind::Remote);
    EXPECT_NE(parsed.error().message.find("invalid JSON at offset"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Cases, JsonParseErrorTest,
                         ::testing::Values("", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.",
                                           "-", "tru", "\"abc", "\"a\nb\"", "\"\\x\"",
                                           "\"\\ud800\"", "\"\xff\"", "[1] 2", "{1:2}",
                                           std::string(500, '[')));

}  // namespace
}  // namespace pgrepl
