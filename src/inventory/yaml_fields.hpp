// Internal to the inventory parser: reading typed values out of YAML maps, with diagnostics.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inventory/diagnostics.hpp"

namespace pgrepl::inventory_detail {

/// One key of a YAML map, with its full name for messages.
struct Field {
    YAML::Node key;     ///< the key node (its position is used for "missing"/"no value" errors)
    YAML::Node value;   ///< the value node
    std::string label;  ///< e.g. "ssh.port" or "host 'db3' ssh.port"
};

/// A YAML map being read. Construction reports unknown keys (with a "did you mean" hint),
/// duplicate keys and keys that are not strings. A null node reads as an empty map.
class Section {
  public:
    /// `prefix` starts every label ("ssh." or "host 'db3' ssh."); `where` names the map in
    /// unknown-key messages ("in ssh", "at top level"); `known` lists the accepted keys
    /// (an empty list accepts every key).
    /// `anchor` is where "missing key" errors point (default: the map's own position).
    Section(const YAML::Node& map, std::string prefix, std::string where,
            std::vector<std::string_view> known, Diagnostics& diags, SourceMark anchor = {});

    /// The first occurrence of `key`, when present.
    std::optional<Field> get(std::string_view key) const;
    /// Every key/value pair in file order, known keys only, first occurrence only.
    const std::vector<Field>& fields() const { return fields_; }
    /// The map node itself.
    const YAML::Node& node() const { return node_; }
    /// "in ssh": the phrase used in messages about this map.
    const std::string& where() const { return where_; }
    /// Where "missing key" errors point.
    SourceMark anchor() const { return anchor_; }

  private:
    YAML::Node node_;
    std::string where_;
    SourceMark anchor_;
    std::vector<Field> fields_;
};

/// Whether an empty string is accepted.
enum class Empty { Allowed, Refused };

/// The value of `field` when it is a map, or a null node (an empty section) when it is empty;
/// otherwise reports "LABEL must be a map, not ..." and returns nullopt.
std::optional<YAML::Node> read_map(const Field& field, Diagnostics& diags);
/// The text of a scalar. Reports non-scalars, missing values, NUL bytes, newlines and other
/// control characters (tab excepted), and empty strings unless allowed.
std::optional<std::string> read_text(const Field& field, Diagnostics& diags,
                                     Empty empty = Empty::Refused);
/// A decimal integer in [min, max].
std::optional<int> read_int(const Field& field, int min, int max, Diagnostics& diags);
/// true or false (also True/TRUE/False/FALSE).
std::optional<bool> read_bool(const Field& field, Diagnostics& diags);

/// One of a fixed set of words.
template <typename E>
std::optional<E> read_enum(const Field& field,
                           const std::vector<std::pair<std::string_view, E>>& choices,
                           Diagnostics& diags) {
    const std::optional<std::string> text = read_text(field, diags);
    if (!text) return std::nullopt;
    std::vector<std::string_view> names;
    for (const auto& [name, value] : choices) {
        if (name == *text) return value;
        names.push_back(name);
    }
    std::string hint = did_you_mean(*text, names);
    if (hint.empty()) hint = " (expected " + join_choices(names) + ")";
    diags.add(field.value, field.label + " " + quote_value(*text) + " is not valid" + hint);
    return std::nullopt;
}

/// Reports "missing key 'KEY' WHERE[ (why)]" at the map's position.
void report_missing(const Section& section, std::string_view key, Diagnostics& diags,
                    std::string_view why = {});

}  // namespace pgrepl::inventory_detail
