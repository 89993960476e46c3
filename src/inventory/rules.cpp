#include "inventory/rules.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <string>

namespace pgrepl::inventory_detail {
namespace {

bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return is_lower(c) || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}

/// First character satisfies `first`, the rest `rest`, length 1..max.
template <typename First, typename Rest>
bool matches(std::string_view text, std::size_t max, First first, Rest rest) {
    if (text.empty() || text.size() > max || !first(text[0])) return false;
    for (char c : text.substr(1)) {
        if (!rest(c)) return false;
    }
    return true;
}

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (!is_digit(c)) return false;
    }
    return true;
}

/// Why `text` is not an RFC 1123 host name, or empty.
std::string dns_name_problem(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);  // fully qualified form
    if (text.empty()) return "is not a valid host name";
    if (text.size() > 253) return "is longer than 253 characters";
    std::string_view last;
    while (true) {
        const std::size_t dot = text.find('.');
        const std::string_view label = text.substr(0, dot);
        if (label.empty()) return "is not a valid host name (empty label)";
        if (label.size() > 63)
            return "is not a valid host name (a label is longer than 63 characters)";
        for (char c : label) {
            if (!is_alnum(c) && c != '-') {
                return "is not an IP address or a host name (RFC 1123: letters, digits, '-' and "
                       "'.')";
            }
        }
        if (label.front() == '-' || label.back() == '-') {
            return "is not a valid host name (a label starts or ends with '-')";
        }
        last = label;
        if (dot == std::string_view::npos) break;
        text.remove_prefix(dot + 1);
    }
    if (all_digits(last)) return "is not a valid IPv4 address";
    return {};
}

}  // namespace

bool is_inventory_name(std::string_view text) {
    return matches(
        text, 63, [](char c) { return is_lower(c) || is_digit(c); },
        [](char c) { return is_lower(c) || is_digit(c) || c == '_' || c == '-'; });
}

bool is_role_name(std::string_view text) {
    return matches(
        text, 63, [](char c) { return is_lower(c) || c == '_'; },
        [](char c) { return is_lower(c) || is_digit(c) || c == '_'; });
}

bool is_unix_user(std::string_view text) {
    return matches(
        text, 32, [](char c) { return is_lower(c) || c == '_'; },
        [](char c) { return is_lower(c) || is_digit(c) || c == '_' || c == '-'; });
}

bool is_env_var_name(std::string_view text) {
    return matches(
        text, 255, [](char c) { return is_alpha(c) || c == '_'; },
        [](char c) { return is_alnum(c) || c == '_'; });
}

bool is_setting_name(std::string_view text) {
    return matches(
        text, 63, [](char c) { return is_lower(c) || c == '_'; },
        [](char c) { return is_lower(c) || is_digit(c) || c == '_' || c == '.'; });
}

bool is_hba_token(std::string_view text) {
    return matches(
        text, 255,
        [](char c) {
            return is_alnum(c) || std::string_view("_.,+@-").find(c) != std::string_view::npos;
        },
        [](char c) {
            return is_alnum(c) || std::string_view("_.,+@-").find(c) != std::string_view::npos;
        });
}

bool is_cluster_label(std::string_view text) {
    return matches(
        text, 63, [](char c) { return is_alnum(c); },
        [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool is_stanza_name(std::string_view text) {
    return is_cluster_label(text);
}

std::string cluster_label_from_stem(std::string_view stem) {
    std::string out;
    for (char c : stem) {
        if (out.size() == 63) break;
        if (out.empty() && !is_alnum(c)) continue;
        out += (is_alnum(c) || c == '_' || c == '.' || c == '-') ? c : '-';
    }
    return out.empty() ? "cluster" : out;
}

bool is_ipv4(std::string_view text) {
    in_addr addr{};
    return inet_pton(AF_INET, std::string(text).c_str(), &addr) == 1;
}

bool is_ipv6(std::string_view text) {
    in6_addr addr{};
    return inet_pton(AF_INET6, std::string(text).c_str(), &addr) == 1;
}

std::string address_problem(std::string_view text) {
    if (is_ipv4(text) || is_ipv6(text)) return {};
    if (!text.empty() && text.front() == '[') {
        return "is not valid: write IPv6 addresses without brackets";
    }
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos) {
        if (text.find(':', colon + 1) == std::string_view::npos &&
            all_digits(text.substr(colon + 1))) {
            return "is not valid: give the port as ssh.port or postgres.port, not in the address";
        }
        return "is not a valid IPv6 address";
    }
    return dns_name_problem(text);
}

std::string normalize_address(std::string_view text) {
    in6_addr addr6{};
    if (inet_pton(AF_INET6, std::string(text).c_str(), &addr6) == 1) {
        char buf[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, &addr6, buf, sizeof buf) != nullptr) return buf;
    }
    std::string out(text);
    if (!out.empty() && out.back() == '.') out.pop_back();
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string hba_address_problem(std::string_view text) {
    if (text == "all" || text == "samehost" || text == "samenet") return {};
    const std::size_t slash = text.find('/');
    if (slash != std::string_view::npos) {
        const std::string_view ip = text.substr(0, slash);
        const std::string_view prefix = text.substr(slash + 1);
        const bool v4 = is_ipv4(ip);
        if (!v4 && !is_ipv6(ip)) return "is not a valid CIDR address";
        const int max = v4 ? 32 : 128;
        int bits = -1;
        const auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
        if (!all_digits(prefix) || ec != std::errc() || end != prefix.data() + prefix.size() ||
            bits > max) {
            return "has an invalid prefix length (0 to " + std::to_string(max) + ")";
        }
        return {};
    }
    if (is_ipv4(text))
        return "needs a prefix length (for one address write '" + std::string(text) + "/32')";
    if (is_ipv6(text))
        return "needs a prefix length (for one address write '" + std::string(text) + "/128')";
    if (!text.empty() && text.front() == '.') text.remove_prefix(1);  // domain suffix match
    const std::string problem = dns_name_problem(text);
    if (problem.empty()) return {};
    return "is not a CIDR address or a host name";
}

std::string safe_absolute_path_problem(std::string_view text) {
    if (text.empty() || text.front() != '/') return "must be an absolute path";
    for (char c : text) {
        if (!is_alnum(c) && c != '_' && c != '.' && c != '-' && c != '/') {
            return "contains characters other than letters, digits, '_', '.', '-' and '/'";
        }
    }
    if (text.find_first_not_of('/') == std::string_view::npos)
        return "must not be the root directory";
    std::string_view rest = text;
    while (!rest.empty()) {
        const std::size_t slash = rest.find('/');
        const std::string_view part = rest.substr(0, slash);
        if (part == "..") return "must not contain '..'";
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return {};
}

std::string local_path_problem(std::string_view text) {
    if (!text.empty() && text.front() == '~' && text.size() > 1 && text[1] != '/') {
        return "is not supported: only '~/' is expanded, not '~user/'";
    }
    return {};
}

}  // namespace pgrepl::inventory_detail
