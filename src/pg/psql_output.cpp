#include "pgrepl/pg/psql_output.hpp"

#include <charconv>
#include <cstdio>

namespace pgrepl {

std::vector<std::vector<std::string>> parse_psql_rows(std::string_view out, char sep) {
    std::vector<std::vector<std::string>> rows;
    std::size_t start = 0;
    while (start < out.size()) {
        std::size_t end = out.find('\n', start);
        if (end == std::string_view::npos) end = out.size();
        std::string_view line = out.substr(start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        std::vector<std::string> fields;
        std::size_t field_start = 0;
        while (true) {
            const std::size_t pos = line.find(sep, field_start);
            if (pos == std::string_view::npos) {
                fields.emplace_back(line.substr(field_start));
                break;
            }
            fields.emplace_back(line.substr(field_start, pos - field_start));
            field_start = pos + 1;
        }
        rows.push_back(std::move(fields));
    }
    return rows;
}

Result<std::vector<std::vector<std::string>>> parse_psql_table(std::string_view out,
                                                               std::size_t columns,
                                                               std::string_view what, char sep) {
    std::vector<std::vector<std::string>> rows = parse_psql_rows(out, sep);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].size() != columns) {
            return make_error(ErrorKind::Remote,
                              "unexpected psql output for " + std::string(what) + ": row " +
                                  std::to_string(i + 1) + " has " + std::to_string(rows[i].size()) +
                                  " fields, expected " + std::to_string(columns),
                              "check the server version in the inventory");
        }
    }
    return rows;
}

std::optional<bool> parse_psql_bool(std::string_view text) {
    if (text == "t") return true;
    if (text == "f") return false;
    return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
    std::int64_t value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (text.empty()) return std::nullopt;
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last) return std::nullopt;
    return value;
}

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const std::string_view high = text.substr(0, slash);
    const std::string_view low = text.substr(slash + 1);
    if (high.empty() || low.empty() || high.size() > 8 || low.size() > 8) return std::nullopt;
    std::uint64_t result = 0;
    for (std::string_view part : {high, low}) {
        std::uint32_t value = 0;
        const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value, 16);
        if (ec != std::errc() || ptr != part.data() + part.size()) return std::nullopt;
        result = (result << 32) | value;
    }
    return result;
}

std::string format_lsn(std::uint64_t lsn) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%X/%X", static_cast<unsigned>(lsn >> 32),
                  static_cast<unsigned>(lsn & 0xFFFFFFFFu));
    return buffer;
}

}  // namespace pgrepl
