// A tiny JSON document model and writer (there is no JSON library in the stack): build a
// JsonValue, then dump() it. Object members keep their insertion order, so the output is
// stable and diffable. Strings are escaped per RFC 8259; invalid UTF-8 becomes U+FFFD.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// How dump() lays the document out.
enum class JsonStyle {
    Compact,  ///< one line, no spaces
    Pretty,   ///< two-space indentation, one member or element per line
};

/// A JSON value: null, boolean, integer, number, string, array or object.
class JsonValue {
  public:
    /// An array of values.
    using Array = std::vector<JsonValue>;
    /// An object: members in insertion order (keys are unique, see set()).
    using Object = std::vector<std::pair<std::string, JsonValue>>;

    /// null.
    JsonValue() = default;
    /// null.
    JsonValue(std::nullptr_t) {}
    /// true or false.
    JsonValue(bool value) : data_(value) {}
    /// An integer.
    JsonValue(int value) : data_(static_cast<std::int64_t>(value)) {}
    /// An integer.
    JsonValue(long value) : data_(static_cast<std::int64_t>(value)) {}
    /// An integer.
    JsonValue(long long value) : data_(static_cast<std::int64_t>(value)) {}
    /// An integer (values above INT64_MAX are written as numbers, possibly rounded).
    JsonValue(unsigned long value);
    /// An integer (values above INT64_MAX are written as numbers, possibly rounded).
    JsonValue(unsigned long long value);
    /// An integer.
    JsonValue(unsigned value) : data_(static_cast<std::int64_t>(value)) {}
    /// A number; NaN and infinities are written as null.
    JsonValue(double value) : data_(value) {}
    /// A string.
    JsonValue(std::string value) : data_(std::move(value)) {}
    /// A string.
    JsonValue(std::string_view value) : data_(std::string(value)) {}
    /// A string.
    JsonValue(const char* value) : data_(std::string(value)) {}
    /// An array.
    JsonValue(Array value) : data_(std::move(value)) {}
    /// An object.
    JsonValue(Object value) : data_(std::move(value)) {}

    /// An empty object.
    static JsonValue object() { return JsonValue(Object{}); }
    /// An empty array.
    static JsonValue array() { return JsonValue(Array{}); }
    /// An array of strings.
    static JsonValue strings(const std::vector<std::string>& values);
    /// The value, or null when `value` is empty.
    template <typename T>
    static JsonValue optional(const std::optional<T>& value) {
        return value ? JsonValue(*value) : JsonValue();
    }

    /// Sets member `key` of an object (replacing an existing member in place) and returns
    /// *this for chaining. Turns a null value into an object first; throws std::logic_error on
    /// any other non-object.
    JsonValue& set(std::string key, JsonValue value);
    /// Appends to an array (a null value becomes an array first); throws std::logic_error on
    /// any other non-array.
    JsonValue& push(JsonValue value);

    /// True for null.
    bool is_null() const { return std::holds_alternative<std::monostate>(data_); }
    /// True for an object.
    bool is_object() const { return std::holds_alternative<Object>(data_); }
    /// True for an array.
    bool is_array() const { return std::holds_alternative<Array>(data_); }
    /// The member `key` of an object, or nullptr (also for a non-object).
    const JsonValue* find(std::string_view key) const;
    /// The members of an object (empty for a non-object).
    const Object& members() const;
    /// The elements of an array (empty for a non-array).
    const Array& elements() const;
    /// The boolean, or std::nullopt for another type.
    std::optional<bool> as_bool() const;
    /// The string, or std::nullopt for another type.
    std::optional<std::string> as_string() const;
    /// The number (integers converted), or std::nullopt for another type.
    std::optional<double> as_number() const;

    /// The JSON text of the value.
    std::string dump(JsonStyle style = JsonStyle::Compact) const;

  private:
    /// Appends the text of the value at nesting `depth` to `out`.
    void dump_to(std::string& out, JsonStyle style, int depth) const;

    /// The value (std::monostate is null).
    std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> data_;
};

/// `text` as a JSON string literal, quotes included: '"' and '\' escaped, control characters as
/// \n, \t, \r, \b, \f or \u00XX, U+2028/U+2029 as \u2028/\u2029, other valid UTF-8 kept as is
/// and every byte of an invalid UTF-8 sequence replaced by \ufffd.
std::string json_quote(std::string_view text);

/// Parses a JSON document (RFC 8259; for tests and tools reading pgrepl's own output): an
/// Error of kind Remote naming the byte offset of the first syntax error.
/// Integers that fit in 64 bits stay integers; duplicate keys keep the last value.
Result<JsonValue> parse_json(std::string_view text);

/// A JSON number for `value`: the shortest text that reads back as the same double; "null"
/// for NaN and infinities.
std::string json_number(double value);

}  // namespace pgrepl
