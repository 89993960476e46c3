#include "pgrepl/pg/quote.hpp"

#include <array>
#include <stdexcept>

namespace pgrepl {
namespace {

void reject(std::string_view value, std::string_view forbidden, const char* what) {
    if (value.find_first_of(forbidden) != std::string_view::npos) {
        throw std::invalid_argument(std::string(what) + ": value contains a forbidden byte");
    }
}

constexpr std::string_view kNul{"\0", 1};
constexpr std::string_view kNulNewline{"\0\n\r", 3};

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// `opening`, then value with ' and \ doubled, then a closing quote: the literal form shared by
// postgresql.conf strings and (escape) SQL strings.
std::string quote_doubled(std::string_view value, std::string_view opening) {
    std::string out(opening);
    for (char c : value) {
        if (c == '\'' || c == '\\') out += c;
        out += c;
    }
    out += '\'';
    return out;
}

}  // namespace

std::string conf_quote(std::string_view value) {
    reject(value, kNulNewline, "conf_quote");
    return quote_doubled(value, "'");
}

std::string conf_unquote(std::string_view value) {
    if (value.size() < 2 || value.front() != '\'' || value.back() != '\'')
        return std::string(value);
    std::string out;
    for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        out += value[i];
        const bool doubled = (value[i] == '\'' || value[i] == '\\') && i + 2 < value.size() &&
                             value[i + 1] == value[i];
        if (doubled) ++i;
    }
    return out;
}

std::string conninfo_quote(std::string_view value) {
    reject(value, kNul, "conninfo_quote");
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    out += '\'';
    return out;
}

std::string conninfo_value(std::string_view value) {
    bool bare = !value.empty();
    for (char c : value) {
        if (!is_alnum(c) && std::string_view("._/:@+-").find(c) == std::string_view::npos) {
            bare = false;
            break;
        }
    }
    if (bare) return std::string(value);
    return conninfo_quote(value);
}

std::string sql_literal(std::string_view value) {
    reject(value, kNul, "sql_literal");
    const bool escape = value.find('\\') != std::string_view::npos;
    return quote_doubled(value, escape ? "E'" : "'");
}

std::string sql_identifier(std::string_view value) {
    if (value.empty()) throw std::invalid_argument("sql_identifier: empty identifier");
    reject(value, kNul, "sql_identifier");
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string pgpass_escape(std::string_view value) {
    reject(value, kNulNewline, "pgpass_escape");
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == ':' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string hba_quote(std::string_view value) {
    if (value.empty()) throw std::invalid_argument("hba_quote: empty token");
    reject(value, kNulNewline, "hba_quote");
    static constexpr std::array<std::string_view, 5> keywords = {"all", "sameuser", "samerole",
                                                                 "samegroup", "replication"};
    bool bare = true;
    for (char c : value) {
        if (!is_alnum(c) && c != '_' && c != '.' && c != '-') {
            bare = false;
            break;
        }
    }
    for (std::string_view keyword : keywords) {
        if (value == keyword) bare = false;
    }
    if (bare) return std::string(value);
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace pgrepl

namespace pgrepl {

std::optional<std::vector<std::pair<std::string, std::string>>> parse_conninfo(
    std::string_view conninfo) {
    std::vector<std::pair<std::string, std::string>> pairs;
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    std::size_t i = 0;
    const std::size_t n = conninfo.size();
    while (true) {
        while (i < n && is_space(conninfo[i])) ++i;
        if (i == n) break;
        std::string key;
        while (i < n && conninfo[i] != '=' && !is_space(conninfo[i])) key += conninfo[i++];
        while (i < n && is_space(conninfo[i])) ++i;
        if (key.empty() || i == n || conninfo[i] != '=') return std::nullopt;
        ++i;
        while (i < n && is_space(conninfo[i])) ++i;
        std::string value;
        if (i < n && conninfo[i] == '\'') {
            ++i;
            bool closed = false;
            while (i < n) {
                const char c = conninfo[i++];
                if (c == '\\' && i < n) {
                    value += conninfo[i++];
                } else if (c == '\'') {
                    closed = true;
                    break;
                } else {
                    value += c;
                }
            }
            if (!closed) return std::nullopt;
        } else {
            while (i < n && !is_space(conninfo[i])) {
                const char c = conninfo[i++];
                if (c == '\\' && i < n) {
                    value += conninfo[i++];
                } else {
                    value += c;
                }
            }
        }
        pairs.emplace_back(std::move(key), std::move(value));
    }
    return pairs;
}

}  // namespace pgrepl
