#include "pgrepl/pg/archive.hpp"

#include <fmt/format.h>

#include <charconv>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

bool is_plain_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_./:@%+=,-").find(c) != std::string_view::npos;
}

bool is_base64(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
        if (!ok) return false;
    }
    return true;
}

bool is_key_type(std::string_view type) {
    return type == "ssh-ed25519" || type == "ssh-rsa" || type.rfind("ecdsa-sha2-", 0) == 0 ||
           type.rfind("sk-", 0) == 0;
}

// The comment of an authorized_keys line: what follows the base64 key, or "".
std::string_view line_comment(std::string_view line) {
    // Options may hold quoted spaces; the key type is the first word that is a key type.
    std::size_t pos = 0;
    bool quoted = false;
    std::vector<std::pair<std::size_t, std::size_t>> words;  // begin, end
    std::size_t begin = std::string_view::npos;
    for (; pos <= line.size(); ++pos) {
        const char c = pos < line.size() ? line[pos] : ' ';
        if (c == '"' && (pos == 0 || line[pos - 1] != '\\')) quoted = !quoted;
        const bool space = !quoted && (c == ' ' || c == '\t');
        if (!space && begin == std::string_view::npos) begin = pos;
        if (space && begin != std::string_view::npos) {
            words.emplace_back(begin, pos);
            begin = std::string_view::npos;
        }
    }
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        const auto type = line.substr(words[i].first, words[i].second - words[i].first);
        if (!is_key_type(type)) continue;
        if (i + 2 >= words.size()) return {};
        auto rest = line.substr(words[i + 2].first);
        while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t' || rest.back() == '\r'))
            rest.remove_suffix(1);
        return rest;
    }
    return {};
}

}  // namespace

std::string shell_word(std::string_view value) {
    if (value.empty()) return shell_quote(value);
    for (char c : value) {
        if (!is_plain_char(c)) return shell_quote(value);
    }
    return std::string(value);
}

ArchiveCommands render_archive_commands(const ArchiveOptions& options,
                                        const ArchiveSshTarget& ssh) {
    ArchiveCommands commands;
    switch (options.method) {
        case ArchiveMethod::None:
            break;
        case ArchiveMethod::Ssh: {
            const auto prefix = fmt::format("{} {{}} {} {} {}", shell_word(ssh.client),
                                            shell_word(ssh.address), ssh.port, shell_word(ssh.key));
            commands.archive_command = fmt::format(fmt::runtime(prefix), "push") + " \"%p\" %f";
            commands.restore_command = fmt::format(fmt::runtime(prefix), "fetch") + " %f \"%p\"";
            commands.archive_cleanup_command = fmt::format(fmt::runtime(prefix), "cleanup") + " %r";
            break;
        }
        case ArchiveMethod::WalG:
            commands.archive_command = "wal-g wal-push %p";
            commands.restore_command = "wal-g wal-fetch %f %p";
            break;
        case ArchiveMethod::PgBackRest: {
            const auto stanza = shell_word("--stanza=" + options.stanza);
            commands.archive_command = fmt::format("pgbackrest {} archive-push %p", stanza);
            commands.restore_command = fmt::format("pgbackrest {} archive-get %f \"%p\"", stanza);
            break;
        }
        case ArchiveMethod::Command:
            commands.archive_command = options.archive_command;
            commands.restore_command = options.restore_command;
            break;
    }
    return commands;
}

std::string archive_key_path(const Host& host) {
    return "/var/lib/postgresql/.ssh/pgrepl-archive-" + host.postgres.version.to_string() + "-" +
           host.postgres.cluster_name;
}

std::optional<std::string> parse_public_key(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const auto type = line.substr(0, space);
    auto rest = line.substr(space + 1);
    const auto body = rest.substr(0, rest.find(' '));
    if (!is_key_type(type) || !is_base64(body)) return std::nullopt;
    return std::string(type) + " " + std::string(body);
}

std::string render_archive_known_hosts(const std::string& address, int port,
                                       const std::string& host_key) {
    const auto name = port == 22 ? address : fmt::format("[{}]:{}", address, port);
    return "# Managed by pgrepl: the WAL archive host's key, as pgrepl's verified SSH session to "
           "it was shown.\n" +
           name + " " + host_key + "\n";
}

std::string archive_key_comment(std::string_view node, std::string_view dir) {
    return fmt::format("pgrepl-archive:{}:{}", node, dir);
}

std::string render_archive_authorized_key(std::string_view node, std::string_view dir,
                                          std::string_view key) {
    std::string command =
        fmt::format("{} {} {}", shell_word(kWalSshServer), shell_word(dir), shell_word(node));
    std::string escaped;
    for (char c : command) {
        if (c == '"') escaped += '\\';
        escaped += c;
    }
    return fmt::format("restrict,command=\"{}\" {} {}", escaped, key,
                       archive_key_comment(node, dir));
}

std::string merge_authorized_keys(std::string_view current, std::string_view dir,
                                  const std::vector<std::pair<std::string, std::string>>& wanted,
                                  const std::vector<std::string>& keep_nodes) {
    const std::string prefix = "pgrepl-archive:";
    const std::string suffix = ":" + std::string(dir);
    std::vector<bool> placed(wanted.size(), false);
    std::string out;
    for (auto line : split_lines(current)) {
        const auto comment = line_comment(line);
        const bool ours = comment.size() > prefix.size() + suffix.size() &&
                          comment.substr(0, prefix.size()) == prefix &&
                          comment.substr(comment.size() - suffix.size()) == suffix;
        if (!ours) {
            out.append(line);
            out += '\n';
            continue;
        }
        const auto node = std::string(
            comment.substr(prefix.size(), comment.size() - prefix.size() - suffix.size()));
        bool handled = false;
        for (std::size_t i = 0; i < wanted.size(); ++i) {
            if (wanted[i].first != node) continue;
            handled = true;
            if (!placed[i]) out += wanted[i].second + "\n";  // a duplicate line is dropped
            placed[i] = true;
        }
        if (handled) continue;
        bool keep = false;
        for (const auto& name : keep_nodes) keep = keep || name == node;
        if (keep) {
            out.append(line);
            out += '\n';
        }
    }
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (!placed[i]) out += wanted[i].second + "\n";
    }
    return out;
}

std::string stat_archiver_sql() {
    return "SELECT archived_count, coalesce(last_archived_wal, ''), "
           "coalesce(extract(epoch FROM clock_timestamp() - last_archived_time)::text, ''), "
           "failed_count, coalesce(last_failed_wal, ''), "
           "coalesce(extract(epoch FROM clock_timestamp() - last_failed_time)::text, ''), "
           "CASE WHEN last_failed_time IS NOT NULL AND (last_archived_time IS NULL OR "
           "last_failed_time > last_archived_time) THEN 't' ELSE 'f' END "
           "FROM pg_stat_archiver;\n";
}

Result<ArchiverStats> parse_stat_archiver(std::string_view out) {
    auto table = parse_psql_table(out, 7, "pg_stat_archiver");
    if (!table) return table.error();
    const auto bad = [](std::string_view what) {
        return make_error(ErrorKind::Remote,
                          "unexpected psql output for pg_stat_archiver: " + std::string(what));
    };
    if (table->size() != 1) return bad("expected one row");
    auto& fields = (*table)[0];
    const auto age = [](const std::string& text) -> std::optional<double> {
        double value = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
            return std::nullopt;
        return value;
    };
    ArchiverStats stats;
    const auto archived = parse_int(fields[0]);
    const auto failed = parse_int(fields[3]);
    const auto failing = parse_psql_bool(fields[6]);
    if (!archived || !failed || !failing) return bad("a count or flag is malformed");
    stats.archived_count = *archived;
    stats.last_archived_wal = std::move(fields[1]);
    stats.last_archived_age = age(fields[2]);
    stats.failed_count = *failed;
    stats.last_failed_wal = std::move(fields[4]);
    stats.last_failed_age = age(fields[5]);
    stats.failing = *failing;
    return stats;
}

Host archive_host(const Inventory& inventory) {
    const auto& archive = inventory.replication.archive;
    if (const Host* host = inventory.find_host(archive.host)) return *host;
    Host host;
    host.name = archive.host;
    host.address = archive.host;
    host.role = Role::Replica;
    host.ssh = inventory.ssh;
    host.postgres = inventory.postgres;
    return host;
}

ArchiveSshTarget archive_ssh_target(const Inventory& inventory, const Host& node) {
    const Host host = archive_host(inventory);
    ArchiveSshTarget target;
    target.address = host.address;
    target.port = host.ssh.port;
    target.key = archive_key_path(node);
    return target;
}

ArchiveCommands archive_commands(const Inventory& inventory, const Host& node) {
    const auto& archive = inventory.replication.archive;
    if (archive.method == ArchiveMethod::Ssh) {
        return render_archive_commands(archive, archive_ssh_target(inventory, node));
    }
    return render_archive_commands(archive, ArchiveSshTarget{});
}

}  // namespace pgrepl
