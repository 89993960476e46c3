// Parsing JSON text into a JsonValue (see parse_json in pgrepl/util/json.hpp).
#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

#include "pgrepl/util/json.hpp"
#include "util/json_utf8.hpp"

namespace pgrepl {
namespace {

using json_detail::append_utf8;
using json_detail::utf8_length;

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    Result<JsonValue> document() {
        JsonValue value;
        if (!parse_value(value, 0)) return error();
        skip_space();
        if (pos_ != text_.size()) {
            fail("trailing characters");
            return error();
        }
        return value;
    }

  private:
    static constexpr int kMaxDepth = 200;

    Error error() const {
        return make_error(ErrorKind::Remote,
                          fmt::format("invalid JSON at offset {}: {}", error_pos_, error_));
    }

    bool fail(std::string what) {
        if (error_.empty()) {
            error_ = std::move(what);
            error_pos_ = pos_;
        }
        return false;
    }

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) return fail("unexpected character");
        pos_ += word.size();
        return true;
    }

    bool parse_value(JsonValue& value, int depth) {
        if (depth > kMaxDepth) return fail("nested too deeply");
        skip_space();
        if (pos_ >= text_.size()) return fail("unexpected end");
        const char c = text_[pos_];
        if (c == '{') return parse_object(value, depth);
        if (c == '[') return parse_array(value, depth);
        if (c == '"') {
            std::string text;
            if (!parse_string(text)) return false;
            value = JsonValue(std::move(text));
            return true;
        }
        if (c == 't') return literal("true") && (value = JsonValue(true), true);
        if (c == 'f') return literal("false") && (value = JsonValue(false), true);
        if (c == 'n') return literal("null") && (value = JsonValue(), true);
        return parse_number(value);
    }

    bool parse_object(JsonValue& value, int depth) {
        ++pos_;
        value = JsonValue::object();
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            return true;
        }
        while (true) {
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a key");
            std::string key;
            if (!parse_string(key)) return false;
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != ':') return fail("expected ':'");
            ++pos_;
            JsonValue member;
            if (!parse_value(member, depth + 1)) return false;
            value.set(std::move(key), std::move(member));
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < text_.size() && text_[pos_] == '}') {
                ++pos_;
                return true;
            }
            return fail("expected ',' or '}'");
        }
    }

    bool parse_array(JsonValue& value, int depth) {
        ++pos_;
        value = JsonValue::array();
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            return true;
        }
        while (true) {
            JsonValue element;
            if (!parse_value(element, depth + 1)) return false;
            value.push(std::move(element));
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < text_.size() && text_[pos_] == ']') {
                ++pos_;
                return true;
            }
            return fail("expected ',' or ']'");
        }
    }

    bool parse_hex4(std::uint32_t& code) {
        if (pos_ + 4 > text_.size()) return fail("short \\u escape");
        code = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = text_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9') {
                code |= static_cast<std::uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                code |= static_cast<std::uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                code |= static_cast<std::uint32_t>(h - 'A' + 10);
            } else {
                return fail("bad \\u escape");
            }
        }
        return true;
    }

    bool parse_string(std::string& out) {
        ++pos_;  // the opening quote
        while (true) {
            if (pos_ >= text_.size()) return fail("unterminated string");
            const char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
            if (c != '\\') {
                const std::size_t length = utf8_length(text_, pos_);
                if (length == 0) return fail("invalid UTF-8");
                out.append(text_.substr(pos_, length));
                pos_ += length;
                continue;
            }
            if (++pos_ >= text_.size()) return fail("unterminated escape");
            const char e = text_[pos_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out.push_back(e);
                    break;
                case 'n':
                    out.push_back('\n');
                    break;
                case 't':
                    out.push_back('\t');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case 'b':
                    out.push_back('\b');
                    break;
                case 'f':
                    out.push_back('\f');
                    break;
                case 'u': {
                    std::uint32_t code = 0;
                    if (!parse_hex4(code)) return false;
                    if (code >= 0xD800 && code <= 0xDBFF) {
                        std::uint32_t low = 0;
                        if (text_.substr(pos_, 2) != "\\u") return fail("lone surrogate");
                        pos_ += 2;
                        if (!parse_hex4(low)) return false;
                        if (low < 0xDC00 || low > 0xDFFF) return fail("bad surrogate pair");
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    } else if (code >= 0xDC00 && code <= 0xDFFF) {
                        return fail("lone surrogate");
                    }
                    append_utf8(out, code);
                    break;
                }
                default:
                    return fail("bad escape");
            }
        }
    }

    bool parse_number(JsonValue& value) {
        const std::size_t start = pos_;
        const auto digits = [&] {
            const std::size_t from = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
            return pos_ - from;
        };
        bool integer = true;
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        const std::size_t int_start = pos_;
        const std::size_t int_digits = digits();
        if (int_digits == 0) return fail("unexpected character");
        if (int_digits > 1 && text_[int_start] == '0') return fail("leading zero");
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            integer = false;
            if (digits() == 0) return fail("digits expected after '.'");
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            integer = false;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (digits() == 0) return fail("digits expected in exponent");
        }
        const std::string number(text_.substr(start, pos_ - start));
        if (integer) {
            try {
                value = JsonValue(static_cast<long long>(std::stoll(number)));
                return true;
            } catch (const std::out_of_range&) {
                // too large for 64 bits: keep it as a double
            }
        }
        value = JsonValue(std::strtod(number.c_str(), nullptr));
        return true;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
    std::size_t error_pos_ = 0;
};

}  // namespace

Result<JsonValue> parse_json(std::string_view text) {
    return Parser(text).document();
}

}  // namespace pgrepl
