#include "inventory/diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace pgrepl::inventory_detail {

SourceMark mark_of(const YAML::Node& node) {
    if (!node.IsDefined()) return {};
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
    return SourceMark{mark.line + 1, mark.column + 1};
}

void Diagnostics::add(SourceMark mark, std::string message) {
    items_.push_back(InventoryDiagnostic{file_, mark, std::move(message)});
}

std::vector<InventoryDiagnostic> Diagnostics::take() {
    std::stable_sort(items_.begin(), items_.end(),
                     [](const InventoryDiagnostic& a, const InventoryDiagnostic& b) {
                         if (a.mark.line != b.mark.line) return a.mark.line < b.mark.line;
                         return a.mark.column < b.mark.column;
                     });
    return std::move(items_);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[n][m];
}

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
    if (word.empty() || word.size() > 64) return {};
    const std::string low = lower(word);
    std::string_view best;
    std::size_t best_distance = 0;
    for (std::string_view candidate : candidates) {
        const std::size_t distance = edit_distance(low, lower(candidate));
        // Short words tolerate one typo, longer ones two; never suggest a word for itself.
        const std::size_t limit = candidate.size() <= 4 ? 1 : 2;
        if (distance > limit || candidate == word) continue;
        if (best.empty() || distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    if (best.empty()) return {};
    return " (did you mean '" + std::string(best) + "'?)";
}

std::string quote_value(std::string_view value) {
    constexpr std::size_t kMaxShown = 60;
    std::string out = "'";
    std::size_t shown = 0;
    for (char c : value) {
        if (shown == kMaxShown) {
            out += "...";
            break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", byte);
            out += buf;
        } else {
            out += c;
        }
        ++shown;
    }
    out += "'";
    return out;
}

std::string describe_kind(const YAML::Node& node) {
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    if (node.IsScalar()) return "a scalar";
    return "empty";
}

std::string join_choices(const std::vector<std::string_view>& choices) {
    std::string out;
    for (std::size_t i = 0; i < choices.size(); ++i) {
        if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
        out += choices[i];
    }
    return out;
}

}  // namespace pgrepl::inventory_detail
