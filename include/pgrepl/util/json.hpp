// JSON documents through nlohmann-json. Include it only in the .cpp files that render or read
// JSON (never from another header), so that nlohmann's headers stay out of most compilations.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>

namespace pgrepl {

/// A JSON value whose objects keep their members in insertion order (stable, diffable output).
using Json = nlohmann::ordered_json;

/// A number: an integral value below 2^53 as an integer ("10", not "10.0"), NaN and
/// infinities as null, any other value as a double (written so that it reads back the same).
inline Json json_number(double value) {
    if (!std::isfinite(value)) return nullptr;
    if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0)
        return static_cast<std::int64_t>(value);
    return value;
}

/// `value` as JSON; a floating-point value through json_number().
template <typename T>
Json json_value(const T& value) {
    if constexpr (std::is_floating_point_v<T>) {
        return json_number(static_cast<double>(value));
    } else {
        return value;
    }
}

/// The value, or null when `value` is empty.
template <typename T>
Json json_value(const std::optional<T>& value) {
    return value ? json_value(*value) : Json();
}

/// A string, or null when `text` is empty.
inline Json json_text_or_null(const std::string& text) {
    return text.empty() ? Json() : Json(text);
}

/// The text of a document: two-space indentation, one member or element per line, no trailing
/// newline. UTF-8 is kept as is; invalid UTF-8 (from remote output) becomes U+FFFD, never an
/// exception.
inline std::string json_dump(const Json& document) {
    return document.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace pgrepl
