#include "pgrepl/util/text.hpp"

namespace pgrepl {

std::string_view next_line(std::string_view text, std::size_t& pos) {
    if (pos >= text.size()) {
        pos = text.size();
        return {};
    }
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end == text.size() ? end : end + 1;
    return line;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos < text.size()) lines.push_back(next_line(text, pos));
    return lines;
}

std::string first_line(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto line = trim(next_line(text, pos));
        if (!line.empty()) return std::string(line);
    }
    return {};
}

std::string_view trim(std::string_view text) {
    constexpr std::string_view kBlank = " \t\r\n";
    const auto first = text.find_first_not_of(kBlank);
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(kBlank);
    return text.substr(first, last - first + 1);
}

std::string_view trim_line_end(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    return text;
}

}  // namespace pgrepl
