#include "inventory/yaml_fields.hpp"

#include <charconv>

namespace pgrepl::inventory_detail {

Section::Section(const YAML::Node& map, std::string prefix, std::string where,
                 std::vector<std::string_view> known, Diagnostics& diags, SourceMark anchor)
    : node_(map), where_(std::move(where)), anchor_(anchor.line > 0 ? anchor : mark_of(map)) {
    if (!map.IsMap()) return;
    std::vector<std::pair<std::string, int>> seen;  // key, line of its first occurrence
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key = it->first;  // copies: `*it` is a temporary proxy
        const YAML::Node value = it->second;
        if (!key.IsScalar()) {
            diags.add(key, "a key " + where_ + " is " + describe_kind(key) + ", not a string");
            continue;
        }
        const std::string name = key.Scalar();
        bool duplicate = false;
        for (const auto& [earlier, line] : seen) {
            if (earlier == name) {
                diags.add(key, "duplicate key " + quote_value(name) + " " + where_ +
                                   " (first at line " + std::to_string(line) + ")");
                duplicate = true;
                break;
            }
        }
        if (duplicate) continue;
        seen.emplace_back(name, mark_of(key).line);
        bool is_known = false;
        for (std::string_view k : known) is_known = is_known || k == name;
        if (!is_known && !known.empty()) {
            diags.add(
                key, "unknown key " + quote_value(name) + " " + where_ + did_you_mean(name, known));
            continue;
        }
        fields_.push_back(Field{key, value, prefix + name});
    }
}

std::optional<Field> Section::get(std::string_view key) const {
    for (const Field& field : fields_) {
        if (field.key.Scalar() == key) return field;
    }
    return std::nullopt;
}

std::optional<YAML::Node> read_map(const Field& field, Diagnostics& diags) {
    if (field.value.IsMap() || field.value.IsNull()) return field.value;
    diags.add(field.value, field.label + " must be a map, not " + describe_kind(field.value));
    return std::nullopt;
}

std::optional<std::string> read_text(const Field& field, Diagnostics& diags, Empty empty) {
    if (field.value.IsNull()) {
        diags.add(field.key, field.label + " has no value");
        return std::nullopt;
    }
    if (!field.value.IsScalar()) {
        diags.add(field.value,
                  field.label + " must be a single value, not " + describe_kind(field.value));
        return std::nullopt;
    }
    const std::string& text = field.value.Scalar();
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\0') {
            diags.add(field.value, field.label + " contains a NUL byte");
            return std::nullopt;
        }
        if (c == '\n' || c == '\r') {
            diags.add(field.value, field.label + " contains a line break");
            return std::nullopt;
        }
        if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
            diags.add(field.value, field.label + " contains a control character");
            return std::nullopt;
        }
    }
    if (text.empty() && empty == Empty::Refused) {
        diags.add(field.value, field.label + " is empty");
        return std::nullopt;
    }
    return text;
}

std::optional<int> read_int(const Field& field, int min, int max, Diagnostics& diags) {
    if (field.value.IsDefined() && !field.value.IsNull() && !field.value.IsScalar()) {
        diags.add(field.value,
                  field.label + " must be an integer, not " + describe_kind(field.value));
        return std::nullopt;
    }
    const std::optional<std::string> text = read_text(field, diags);
    if (!text) return std::nullopt;
    const char* begin = text->data();
    const char* end = begin + text->size();
    long long value = 0;
    const bool negative = !text->empty() && text->front() == '-';
    const bool digits =
        text->find_first_not_of("0123456789", negative ? 1 : 0) == std::string::npos &&
        text->size() > (negative ? 1U : 0U);
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    const std::string range = " (" + std::to_string(min) + " to " + std::to_string(max) + ")";
    if (!digits || (ec != std::errc() && ec != std::errc::result_out_of_range) || ptr != end) {
        diags.add(field.value,
                  field.label + " must be an integer" + range + ", not " + quote_value(*text));
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range || value < min || value > max) {
        diags.add(field.value, field.label + " " + *text + " is out of range" + range);
        return std::nullopt;
    }
    return static_cast<int>(value);
}

std::optional<bool> read_bool(const Field& field, Diagnostics& diags) {
    if (field.value.IsDefined() && !field.value.IsNull() && !field.value.IsScalar()) {
        diags.add(field.value,
                  field.label + " must be true or false, not " + describe_kind(field.value));
        return std::nullopt;
    }
    const std::optional<std::string> text = read_text(field, diags);
    if (!text) return std::nullopt;
    if (*text == "true" || *text == "True" || *text == "TRUE") return true;
    if (*text == "false" || *text == "False" || *text == "FALSE") return false;
    diags.add(field.value, field.label + " must be true or false, not " + quote_value(*text));
    return std::nullopt;
}

void report_missing(const Section& section, std::string_view key, Diagnostics& diags,
                    std::string_view why) {
    std::string message = "missing key '" + std::string(key) + "' " + section.where();
    if (!why.empty()) message += " (" + std::string(why) + ")";
    diags.add(section.anchor(), message);
}

}  // namespace pgrepl::inventory_detail
