#include "pgrepl/util/diff.hpp"

#include <algorithm>
#include <vector>

#include "pgrepl/util/text.hpp"

namespace pgrepl {

std::string line_diff(std::string_view before, std::string_view after, std::string_view label,
                      int context) {
    if (before == after) return {};
    const auto a = split_lines(before);
    const auto b = split_lines(after);
    // Longest common subsequence table (files pgrepl manages are small).
    std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
    for (std::size_t i = a.size(); i-- > 0;) {
        for (std::size_t j = b.size(); j-- > 0;) {
            lcs[i][j] =
                a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    struct Line {
        char tag;
        std::string_view text;
    };
    std::vector<Line> lines;
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (i < a.size() && j < b.size() && a[i] == b[j]) {
            lines.push_back({' ', a[i++]});
            ++j;
        } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
            lines.push_back({'-', a[i++]});
        } else {
            lines.push_back({'+', b[j++]});
        }
    }
    std::vector<bool> keep(lines.size(), false);
    for (std::size_t k = 0; k < lines.size(); ++k) {
        if (lines[k].tag == ' ') continue;
        const auto from = k >= static_cast<std::size_t>(context) ? k - context : 0;
        const auto to = std::min(lines.size(), k + context + 1);
        for (auto m = from; m < to; ++m) keep[m] = true;
    }
    std::string out = "--- " + std::string(label) + "\n+++ " + std::string(label) + "\n";
    bool gap = false;
    for (std::size_t k = 0; k < lines.size(); ++k) {
        if (!keep[k]) {
            gap = true;
            continue;
        }
        if (gap) out += "  ...\n";
        gap = false;
        out += lines[k].tag;
        out.append(lines[k].text);
        out += '\n';
    }
    return out;
}

}  // namespace pgrepl
