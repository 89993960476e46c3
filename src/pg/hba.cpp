#include "pgrepl/pg/hba.hpp"

#include <algorithm>
#include <stdexcept>

#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/rewind.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

/// One line of a file: its bytes including the terminator, and its text without it.
struct Line {
    std::string_view raw;   ///< bytes including "\n" (or none on a last unterminated line)
    std::string_view text;  ///< without "\n" and a "\r" before it
};

std::vector<Line> file_lines(std::string_view content) {
    std::vector<Line> lines;
    std::size_t start = 0;
    while (start < content.size()) {
        std::size_t end = content.find('\n', start);
        const std::size_t next = end == std::string_view::npos ? content.size() : end + 1;
        if (end == std::string_view::npos) end = content.size();
        std::string_view text = content.substr(start, end - start);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        lines.push_back({content.substr(start, next - start), text});
        start = next;
    }
    return lines;
}

bool is_begin(std::string_view text) {
    return trim(text).starts_with("# BEGIN pgrepl");
}
bool is_end(std::string_view text) {
    return trim(text) == kHbaEndMarker;
}

void check_field(std::string_view field, bool may_be_empty) {
    if (field.empty() && !may_be_empty) {
        throw std::invalid_argument("render_hba_block: empty field");
    }
    if (field.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos) {
        throw std::invalid_argument("render_hba_block: field contains a line break or NUL");
    }
}

bool is_ipv4(std::string_view text) {
    int parts = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = text.find('.', start);
        const std::string_view part = text.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (part.empty() || part.size() > 3) return false;
        int value = 0;
        for (char c : part) {
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        if (value > 255) return false;
        ++parts;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return parts == 4;
}

bool is_ipv6(std::string_view text) {
    if (text.find(':') == std::string_view::npos) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
               c == ':' || c == '.';
    });
}

}  // namespace

bool is_ip_address(std::string_view address) {
    const std::string_view ip = address.substr(0, address.find('/'));
    return is_ipv4(ip) || is_ipv6(ip);
}

std::string render_hba_block(const std::vector<HbaEntry>& entries) {
    std::size_t widths[4] = {0, 0, 0, 0};
    for (const HbaEntry& entry : entries) {
        check_field(entry.type, false);
        check_field(entry.database, false);
        check_field(entry.user, false);
        check_field(entry.address, entry.type == "local");
        check_field(entry.method, false);
        widths[0] = std::max(widths[0], entry.type.size());
        widths[1] = std::max(widths[1], entry.database.size());
        widths[2] = std::max(widths[2], entry.user.size());
        widths[3] = std::max(widths[3], entry.address.size());
    }
    std::string out(kHbaBeginMarker);
    out += '\n';
    for (const HbaEntry& entry : entries) {
        const std::string* fields[4] = {&entry.type, &entry.database, &entry.user, &entry.address};
        for (int i = 0; i < 4; ++i) {
            if (widths[i] == 0) continue;  // no rule has an address
            out += *fields[i];
            out.append(widths[i] - fields[i]->size() + 1, ' ');
        }
        out += entry.method;
        out += '\n';
    }
    out += kHbaEndMarker;
    out += '\n';
    return out;
}

Result<std::string> merge_hba(std::string_view existing, std::string_view block) {
    // The block's own lines, checked, to be re-joined with the file's line ends.
    std::vector<Line> block_lines = file_lines(block);
    if (block_lines.size() < 2 || !is_begin(block_lines.front().text) ||
        !is_end(block_lines.back().text)) {
        throw std::invalid_argument("merge_hba: block lacks the pgrepl markers");
    }

    // Everything outside existing managed blocks, byte for byte.
    std::vector<Line> kept;
    bool in_block = false;
    int line_number = 0;
    int begin_line = 0;
    for (const Line& line : file_lines(existing)) {
        ++line_number;
        if (!in_block && is_begin(line.text)) {
            in_block = true;
            begin_line = line_number;
        } else if (in_block && is_end(line.text)) {
            in_block = false;
        } else if (!in_block && is_end(line.text)) {
            return make_error(ErrorKind::Conflict,
                              "pg_hba.conf: line " + std::to_string(line_number) + " has '" +
                                  std::string(kHbaEndMarker) + "' without a begin marker",
                              "remove the stray marker line from pg_hba.conf");
        } else if (in_block && is_begin(line.text)) {
            return make_error(
                ErrorKind::Conflict,
                "pg_hba.conf: nested pgrepl block at line " + std::to_string(line_number),
                "remove the broken pgrepl block from pg_hba.conf");
        } else if (!in_block) {
            kept.push_back(line);
        }
    }
    if (in_block) {
        return make_error(ErrorKind::Conflict,
                          "pg_hba.conf: the pgrepl block starting at line " +
                              std::to_string(begin_line) + " has no '" +
                              std::string(kHbaEndMarker) + "' line",
                          "restore the end marker or remove the whole block by hand");
    }

    // Line ends follow the first terminated line outside the block.
    std::string_view eol = "\n";
    for (const Line& line : kept) {
        if (line.raw.ends_with("\r\n")) {
            eol = "\r\n";
            break;
        }
        if (line.raw.ends_with("\n")) break;
    }
    std::string rendered;
    for (const Line& line : block_lines) {
        rendered += line.text;
        rendered += eol;
    }

    const auto first_rule = std::find_if(kept.begin(), kept.end(), [](const Line& line) {
        const std::string_view text = trim(line.text);
        return !text.empty() && text.front() != '#';
    });
    std::string out;
    for (auto it = kept.begin(); it != kept.end(); ++it) {
        if (it == first_rule) out += rendered;
        out += it->raw;
    }
    if (first_rule == kept.end()) {
        if (!out.empty() && out.back() != '\n') out += eol;
        out += rendered;
    }
    return out;
}

namespace {

/// `host DATABASE USER ADDR METHOD` for each address (see replication_entries()).
std::vector<HbaEntry> node_entries(PgVersion version, std::string_view database,
                                   std::string_view user,
                                   const std::vector<std::string>& addresses) {
    const std::string method = version.number() >= 1000 ? "scram-sha-256" : "md5";
    std::vector<HbaEntry> entries;
    for (const std::string& address : addresses) {
        std::string cidr = address;
        if (address.find('/') == std::string::npos) {
            if (is_ipv4(address)) {
                cidr += "/32";
            } else if (is_ipv6(address)) {
                cidr += "/128";
            }
        }
        entries.push_back({"host", std::string(database), hba_quote(user), cidr, method});
    }
    return entries;
}

}  // namespace

std::vector<HbaEntry> replication_entries(PgVersion version, std::string_view user,
                                          const std::vector<std::string>& addresses) {
    return node_entries(version, "replication", user, addresses);
}

std::vector<HbaEntry> rewind_entries(PgVersion version, std::string_view user,
                                     const std::vector<std::string>& addresses) {
    if (!rewind_role_supported(version)) return {};
    return node_entries(version, "postgres", user, addresses);
}

std::vector<HbaEntry> access_entries(const std::vector<AccessRule>& rules) {
    std::vector<HbaEntry> entries;
    for (const AccessRule& rule : rules) {
        entries.push_back({rule.type, rule.database, rule.user, rule.address, rule.method});
    }
    return entries;
}

}  // namespace pgrepl
