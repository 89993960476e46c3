#include "pgrepl/handover/inventory_edit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "pgrepl/inventory/load.hpp"
#include "pgrepl/util/diff.hpp"

namespace pgrepl {
namespace {

struct Token {
    std::size_t begin = 0;  // first byte of the value without its quotes
    std::size_t end = 0;    // one past its last byte
};

bool same_word(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// The scalar starting at `pos` of `line`: quoted or plain.
std::optional<Token> scalar_at(std::string_view line, std::size_t pos) {
    if (pos >= line.size()) return std::nullopt;
    const char first = line[pos];
    if (first == '"' || first == '\'') {
        auto close = line.find(first, pos + 1);
        if (close == std::string_view::npos) return std::nullopt;
        return Token{pos + 1, close};
    }
    auto end = line.find_first_of(" \t,}]#\r", pos);
    if (end == std::string_view::npos) end = line.size();
    if (end == pos) return std::nullopt;
    return Token{pos, end};
}

// The value of the only `role:` key on the line.
std::optional<Token> role_key_value(std::string_view line) {
    std::optional<Token> found;
    int count = 0;
    for (auto at = line.find("role"); at != std::string_view::npos;
         at = line.find("role", at + 1)) {
        const bool starts = at == 0 || line[at - 1] == ' ' || line[at - 1] == '\t' ||
                            line[at - 1] == '{' || line[at - 1] == ',' || line[at - 1] == '-';
        auto colon = line.find_first_not_of(" \t", at + 4);
        if (!starts || colon == std::string_view::npos || line[colon] != ':') continue;
        auto value = line.find_first_not_of(" \t", colon + 1);
        if (value == std::string_view::npos) continue;
        ++count;
        found = scalar_at(line, value);
    }
    if (count != 1) return std::nullopt;
    return found;
}

struct Replacement {
    std::size_t offset = 0;
    std::size_t length = 0;
    std::string text;
};

}  // namespace

Result<std::string> rewrite_role_values(std::string_view text, const std::vector<RoleEdit>& edits) {
    std::vector<std::size_t> line_starts{0};
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') line_starts.push_back(i + 1);
    }
    std::vector<Replacement> replacements;
    for (const auto& edit : edits) {
        const auto bad = [&](std::string why) {
            return make_error(
                ErrorKind::Conflict,
                fmt::format("line {}: role of {}: {}", edit.mark.line, edit.host, why),
                "the file changed since it was read: edit the role by hand");
        };
        if (edit.mark.line < 1 || static_cast<std::size_t>(edit.mark.line) > line_starts.size())
            return bad("no such line");
        const std::size_t start = line_starts[edit.mark.line - 1];
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(start, end - start);
        const std::string_view from = to_string(edit.from);
        const std::string_view to = to_string(edit.to);
        auto token = edit.mark.column >= 1 ? scalar_at(line, edit.mark.column - 1) : std::nullopt;
        auto word = [&](const Token& t) { return line.substr(t.begin, t.end - t.begin); };
        if (!token || (!same_word(word(*token), from) && !same_word(word(*token), to)))
            token = role_key_value(line);
        if (!token) return bad(fmt::format("no `role: {}` found there", from));
        if (same_word(word(*token), to)) continue;  // already rewritten
        if (!same_word(word(*token), from))
            return bad(fmt::format("found '{}', expected '{}'", word(*token), from));
        replacements.push_back({start + token->begin, token->end - token->begin, std::string(to)});
    }
    std::sort(replacements.begin(), replacements.end(),
              [](const Replacement& a, const Replacement& b) { return a.offset > b.offset; });
    std::string out(text);
    for (std::size_t i = 0; i < replacements.size(); ++i) {
        const auto& r = replacements[i];
        if (i > 0 && r.offset + r.length > replacements[i - 1].offset) {
            return make_error(ErrorKind::Internal, "overlapping role edits");
        }
        out.replace(r.offset, r.length, r.text);
    }
    return out;
}

std::vector<RoleEdit> role_edits(const Inventory& inventory, const Inventory& promoted) {
    std::vector<RoleEdit> edits;
    for (std::size_t i = 0; i < inventory.hosts.size() && i < promoted.hosts.size(); ++i) {
        const Host& host = inventory.hosts[i];
        if (host.role == promoted.hosts[i].role) continue;
        edits.push_back({host.name, host.role_mark, host.role, promoted.hosts[i].role});
    }
    return edits;
}

Result<int> update_inventory_roles(const std::string& path, const Inventory& inventory,
                                   const Inventory& promoted) {
    const auto edits = role_edits(inventory, promoted);
    if (edits.empty()) return 0;
    char resolved[PATH_MAX];
    const std::string real = realpath(path.c_str(), resolved) != nullptr ? resolved : path;
    std::ifstream in(real, std::ios::binary);
    if (!in) {
        return make_error(ErrorKind::Inventory,
                          fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    auto rewritten = rewrite_role_values(text, edits);
    if (!rewritten) {
        auto error = rewritten.error();
        error.message = path + ": " + error.message;
        return error;
    }
    if (*rewritten == text) return 0;
    auto check = parse_inventory(*rewritten, path);
    if (!check.ok()) {
        return make_error(
            ErrorKind::Inventory,
            fmt::format("{}: the roles were not rewritten: the result would not be valid: {}", path,
                        check.diagnostics.front().to_string()),
            "edit the file by hand (see the stale lines above)");
    }
    for (std::size_t i = 0; i < promoted.hosts.size(); ++i) {
        if (i >= check.inventory.hosts.size() ||
            check.inventory.hosts[i].role != promoted.hosts[i].role) {
            return make_error(ErrorKind::Internal,
                              fmt::format("{}: rewritten roles do not match", path));
        }
    }
    struct stat info {};
    if (stat(real.c_str(), &info) != 0) {
        return make_error(ErrorKind::Inventory,
                          fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
    }
    const std::string temp = fmt::format("{}.pgrepl-{}.tmp", real, getpid());
    const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return make_error(ErrorKind::Inventory,
                          fmt::format("{}: cannot write {}: {}", path, temp, std::strerror(errno)));
    }
    const std::string& data = *rewritten;
    std::size_t written = 0;
    bool ok = true;
    while (ok && written < data.size()) {
        const auto n = write(fd, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) written += static_cast<std::size_t>(n);
    }
    ok = ok && fchmod(fd, info.st_mode & 07777) == 0 && fsync(fd) == 0;
    if (ok && geteuid() == 0) (void)!fchown(fd, info.st_uid, info.st_gid);
    const int saved = errno;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(temp.c_str(), real.c_str()) != 0) {
        const int error = ok ? errno : saved;
        unlink(temp.c_str());
        return make_error(ErrorKind::Inventory,
                          fmt::format("{}: cannot replace it: {}", path, std::strerror(error)));
    }
    return static_cast<int>(edits.size());
}

InventoryUpdate update_stale_inventory(const Inventory& inventory, const Inventory& promoted,
                                       const std::string& command, const std::string& target,
                                       UpdateInventory update, RunMode mode) {
    InventoryUpdate result;
    result.path = inventory.path;
    result.stale = stale_inventory_lines(inventory, promoted);
    result.command = command;
    result.target = target;
    result.update = update;
    result.mode = mode;
    if (result.stale.empty() || update == UpdateInventory::No) return result;
    if (mode == RunMode::Check) {
        std::ifstream in(inventory.path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        auto rewritten = rewrite_role_values(text.str(), role_edits(inventory, promoted));
        result.would_rewrite = rewritten ? line_diff(text.str(), *rewritten, inventory.path, 0)
                                         : "cannot: " + rewritten.error().message;
    } else if (auto updated = update_inventory_roles(inventory.path, inventory, promoted)) {
        result.rewritten = *updated;
    } else {
        result.error = updated.error();
    }
    return result;
}

}  // namespace pgrepl
