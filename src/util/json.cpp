#include "pgrepl/util/json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "util/json_utf8.hpp"

namespace pgrepl {
namespace {

void newline(std::string& out, JsonStyle style, int depth) {
    if (style == JsonStyle::Compact) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

const JsonValue::Object kNoMembers;
const JsonValue::Array kNoElements;

}  // namespace

std::string json_quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (u < 0x20) {
                    out += fmt::format("\\u{:04x}", u);
                } else if (u < 0x80) {
                    out.push_back(c);
                } else {
                    const std::size_t length = json_detail::utf8_length(text, i);
                    if (length == 0) {
                        out += "\\ufffd";
                        break;
                    }
                    const auto sequence = text.substr(i, length);
                    if (sequence == "\xE2\x80\xA8") {
                        out += "\\u2028";
                    } else if (sequence == "\xE2\x80\xA9") {
                        out += "\\u2029";
                    } else {
                        out.append(sequence);
                    }
                    i += length;
                    continue;
                }
        }
        ++i;
    }
    out.push_back('"');
    return out;
}

std::string json_number(double value) {
    if (!std::isfinite(value)) return "null";
    // fmt's "{}" is the shortest round-trip form; JSON has no "inf" and needs a leading digit.
    std::string text = fmt::format("{}", value);
    if (text == "-0") return "0";
    return text;
}

JsonValue::JsonValue(unsigned long value) {
    if (value <= static_cast<unsigned long>(std::numeric_limits<std::int64_t>::max())) {
        data_ = static_cast<std::int64_t>(value);
    } else {
        data_ = static_cast<double>(value);
    }
}

JsonValue::JsonValue(unsigned long long value) {
    if (value <= static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max())) {
        data_ = static_cast<std::int64_t>(value);
    } else {
        data_ = static_cast<double>(value);
    }
}

JsonValue JsonValue::strings(const std::vector<std::string>& values) {
    Array array;
    array.reserve(values.size());
    for (const auto& value : values) array.emplace_back(value);
    return JsonValue(std::move(array));
}

JsonValue& JsonValue::set(std::string key, JsonValue value) {
    if (is_null()) data_ = Object{};
    auto* object = std::get_if<Object>(&data_);
    if (object == nullptr) throw std::logic_error("JsonValue::set on a non-object");
    for (auto& [name, member] : *object) {
        if (name == key) {
            member = std::move(value);
            return *this;
        }
    }
    object->emplace_back(std::move(key), std::move(value));
    return *this;
}

JsonValue& JsonValue::push(JsonValue value) {
    if (is_null()) data_ = Array{};
    auto* array = std::get_if<Array>(&data_);
    if (array == nullptr) throw std::logic_error("JsonValue::push on a non-array");
    array->push_back(std::move(value));
    return *this;
}

const JsonValue* JsonValue::find(std::string_view key) const {
    if (const auto* object = std::get_if<Object>(&data_)) {
        for (const auto& [name, member] : *object) {
            if (name == key) return &member;
        }
    }
    return nullptr;
}

const JsonValue::Object& JsonValue::members() const {
    const auto* object = std::get_if<Object>(&data_);
    return object != nullptr ? *object : kNoMembers;
}

const JsonValue::Array& JsonValue::elements() const {
    const auto* array = std::get_if<Array>(&data_);
    return array != nullptr ? *array : kNoElements;
}

std::optional<bool> JsonValue::as_bool() const {
    if (const auto* value = std::get_if<bool>(&data_)) return *value;
    return std::nullopt;
}

std::optional<std::string> JsonValue::as_string() const {
    if (const auto* value = std::get_if<std::string>(&data_)) return *value;
    return std::nullopt;
}

std::optional<double> JsonValue::as_number() const {
    if (const auto* value = std::get_if<std::int64_t>(&data_)) return static_cast<double>(*value);
    if (const auto* value = std::get_if<double>(&data_)) return *value;
    return std::nullopt;
}

std::string JsonValue::dump(JsonStyle style) const {
    std::string out;
    dump_to(out, style, 0);
    return out;
}

void JsonValue::dump_to(std::string& out, JsonStyle style, int depth) const {
    if (std::holds_alternative<std::monostate>(data_)) {
        out += "null";
    } else if (const auto* flag = std::get_if<bool>(&data_)) {
        out += *flag ? "true" : "false";
    } else if (const auto* integer = std::get_if<std::int64_t>(&data_)) {
        out += std::to_string(*integer);
    } else if (const auto* number = std::get_if<double>(&data_)) {
        out += json_number(*number);
    } else if (const auto* text = std::get_if<std::string>(&data_)) {
        out += json_quote(*text);
    } else if (const auto* array = std::get_if<Array>(&data_)) {
        if (array->empty()) {
            out += "[]";
            return;
        }
        out.push_back('[');
        for (std::size_t i = 0; i < array->size(); ++i) {
            if (i > 0) out.push_back(',');
            newline(out, style, depth + 1);
            (*array)[i].dump_to(out, style, depth + 1);
        }
        newline(out, style, depth);
        out.push_back(']');
    } else if (const auto* object = std::get_if<Object>(&data_)) {
        if (object->empty()) {
            out += "{}";
            return;
        }
        out.push_back('{');
        for (std::size_t i = 0; i < object->size(); ++i) {
            if (i > 0) out.push_back(',');
            newline(out, style, depth + 1);
            out += json_quote((*object)[i].first);
            out += style == JsonStyle::Pretty ? ": " : ":";
            (*object)[i].second.dump_to(out, style, depth + 1);
        }
        newline(out, style, depth);
        out.push_back('}');
    }
}

}  // namespace pgrepl
