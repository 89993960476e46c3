#include "inventory/diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <fmt/format.h>

namespace pgrepl::inventory_detail {

SourceMark mark_of(const YAML::Node& node) {
    if (!node.IsDefined()) return {};
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
    return SourceMark{mark.line + 1, mark.column + 1};
}

void Diagnostics::add(SourceMark mark, std::string message) {
    items_.push_back(InventoryDiagnostic{file_, mark, printable_text(message)});
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

std::size_t utf8_sequence(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) low = 0xa0;
        if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) low = 0x90;
        if (lead == 0xf4) high = 0x8f;
    } else {
        return 0;
    }
    if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
    }
    return length;
}

namespace {

// Appends the next character of `text` to `out`, escaped when it is not printable, and
// returns how many bytes it took.
std::size_t append_printable(std::string_view text, std::string& out) {
    const char c = text.front();
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
        out += "\\n";
    } else if (c == '\t') {
        out += "\\t";
    } else if (byte >= 0x80) {
        const std::size_t length = utf8_sequence(text);
        if (length != 0) {
            out += text.substr(0, length);
            return length;
        }
        out += fmt::format("\\x{:02x}", byte);
    } else if (byte < 0x20 || byte == 0x7f) {
        out += fmt::format("\\x{:02x}", byte);
    } else {
        out += c;
    }
    return 1;
}

}  // namespace

std::string printable_text(std::string_view text) {
    std::string out;
    while (!text.empty()) text.remove_prefix(append_printable(text, out));
    return out;
}

std::string quote_value(std::string_view value) {
    constexpr std::size_t kMaxShown = 60;
    std::string out = "'";
    for (std::size_t shown = 0; !value.empty(); ++shown) {
        if (shown == kMaxShown) {
            out += "...";
            break;
        }
        value.remove_prefix(append_printable(value, out));
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
