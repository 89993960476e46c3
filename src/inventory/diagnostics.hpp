// Internal to the inventory parser: collecting diagnostics, "did you mean" hints, quoting values.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/load.hpp"

namespace pgrepl::inventory_detail {

/// The 1-based position of a parsed node; {0, 0} for a node without one.
SourceMark mark_of(const YAML::Node& node);

/// Collects the problems found in one file.
class Diagnostics {
  public:
    /// Problems will name `file`.
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}

    /// Records a problem at `mark`.
    void add(SourceMark mark, std::string message);
    /// Records a problem at the position of `node`.
    void add(const YAML::Node& node, std::string message) {
        add(mark_of(node), std::move(message));
    }
    /// Number of problems recorded so far.
    std::size_t size() const { return items_.size(); }
    /// The problems in file order (stable for equal positions); leaves the collector empty.
    std::vector<InventoryDiagnostic> take();

  private:
    std::string file_;
    std::vector<InventoryDiagnostic> items_;
};

/// Optimal string alignment distance (insertions, deletions, substitutions, transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// " (did you mean 'X'?)" when `word` is a near miss of one candidate, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

/// The length of the valid UTF-8 sequence of two to four bytes at the start of `text` (a code
/// point past U+007F, neither overlong nor a surrogate nor past U+10FFFF), else 0.
std::size_t utf8_sequence(std::string_view text);

/// `text` safe to print: newlines, tabs, control characters and bytes that are not valid UTF-8
/// escaped (\n, \t, \xNN). Every diagnostic's message goes through it.
std::string printable_text(std::string_view text);

/// A user value for a message: single-quoted, escaped as printable_text() does, long values
/// cut after 60 characters (never inside a UTF-8 sequence).
std::string quote_value(std::string_view value);

/// "a map", "a list", "a scalar" or "empty": what a node is, for type errors.
std::string describe_kind(const YAML::Node& node);

/// "a, b or c": candidates joined for "expected ..." messages.
std::string join_choices(const std::vector<std::string_view>& choices);

}  // namespace pgrepl::inventory_detail
