// WAL archiving (replication.archive): the archive_command, restore_command and
// archive_cleanup_command of every method, and the files of method ssh (the two scripts, the
// node's known_hosts pin and its authorized_keys line on the archive host). Pure functions.
// See docs/archiving.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// Where the files of method ssh live (the same on every host).
inline constexpr const char* kWalSshDir = "/var/lib/postgresql/.pgrepl";
/// The client script on every node (PostgreSQL runs it as postgres).
inline constexpr const char* kWalSshClient = "/var/lib/postgresql/.pgrepl/wal-ssh";
/// The server script on the archive host (the forced command of the nodes' keys).
inline constexpr const char* kWalSshServer = "/var/lib/postgresql/.pgrepl/wal-ssh-serve";

/// How a node reaches the archive host with method ssh.
struct ArchiveSshTarget {
    std::string address;                 ///< address or host name the node connects to
    int port = 22;                       ///< the archive host's sshd port
    std::string key;                     ///< the node's private key (KEY.pub, KEY.known_hosts)
    std::string client = kWalSshClient;  ///< the client script
};

/// The PostgreSQL commands of an archiving method; an empty string means "not set".
struct ArchiveCommands {
    std::string archive_command;          ///< %p and %f as PostgreSQL defines them
    std::string restore_command;          ///< must exit non-zero for a missing file
    std::string archive_cleanup_command;  ///< run by standbys at each restartpoint (%r)
};

/// The commands for `options.method` (they are the same for every PostgreSQL version; where
/// they are written depends on it: see managed_settings() and render_standby()):
/// - none: all empty;
/// - ssh: `CLIENT push ADDRESS PORT KEY "%p" %f`, `CLIENT fetch ADDRESS PORT KEY %f "%p"` and
///   `CLIENT cleanup ADDRESS PORT KEY %r`, each word shell-quoted when it needs it;
/// - wal-g: `wal-g wal-push %p` and `wal-g wal-fetch %f %p` (no cleanup: WAL-G's retention);
/// - pgbackrest: `pgbackrest --stanza=S archive-push %p` and
///   `pgbackrest --stanza=S archive-get %f "%p"` (no cleanup: pgBackRest's retention);
/// - command: the inventory's templates as given (no cleanup).
/// `ssh` is used only by method ssh.
ArchiveCommands render_archive_commands(const ArchiveOptions& options, const ArchiveSshTarget& ssh);

/// A word for a POSIX shell command line: the value itself when it is made only of
/// [A-Za-z0-9_./:@%+=,-] (readable commands), else shell_quote(value). `"%p"` and friends are
/// written by the renderer, not through this function.
std::string shell_word(std::string_view value);

/// The private key of the postgres user of a node for method ssh:
/// `/var/lib/postgresql/.ssh/pgrepl-archive-V-NAME` (one per cluster, so that two clusters of
/// a host may archive to different places).
std::string archive_key_path(const Host& host);

/// The archive host of method ssh as a Host pgrepl can connect to: the inventory host named by
/// replication.archive.host, or, for an address outside the inventory, a Host with that address
/// as name and address and the cluster-wide ssh and postgres options.
Host archive_host(const Inventory& inventory);

/// How `node` reaches the archive host: its address, its sshd port (the port pgrepl uses) and
/// the node's key.
ArchiveSshTarget archive_ssh_target(const Inventory& inventory, const Host& node);

/// The archiving commands of `node` (all empty for method none). setup writes archive_command
/// on every node (a promoted replica archives at once), restore_command and
/// archive_cleanup_command in the standby settings.
ArchiveCommands archive_commands(const Inventory& inventory, const Host& node);

/// The content of the client script (kWalSshClient) on every node.
std::string render_wal_ssh_client();

/// The content of the server script (kWalSshServer) on the archive host.
std::string render_wal_ssh_server();

/// A public key as `TYPE BASE64` (the comment dropped), parsed from one line of a .pub file or
/// of known_hosts-like text. std::nullopt when the line is not `TYPE BASE64 [COMMENT]` with a
/// known key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-*, sk-*) and base64 text.
std::optional<std::string> parse_public_key(std::string_view line);

/// The node's known_hosts pin of the archive host: a `# Managed by pgrepl` comment, then the
/// line `ADDRESS KEY` (`[ADDRESS]:PORT KEY` when PORT is not 22, as ssh looks it up). `host_key`
/// is `TYPE BASE64`.
std::string render_archive_known_hosts(const std::string& address, int port,
                                       const std::string& host_key);

/// The comment that marks pgrepl's authorized_keys line of a node for an archive directory:
/// `pgrepl-archive:NODE:DIR`.
std::string archive_key_comment(std::string_view node, std::string_view dir);

/// A node's line in the archive host's authorized_keys:
/// `restrict,command="SERVER DIR NODE" KEY pgrepl-archive:NODE:DIR` (`restrict`: no shell, no
/// forwarding, no pty; the forced command serves only the archive directory). `key` is
/// `TYPE BASE64`.
std::string render_archive_authorized_key(std::string_view node, std::string_view dir,
                                          std::string_view key);

/// `current` (an authorized_keys file, possibly empty) with pgrepl's lines for `dir` made to be
/// exactly `wanted` (one line per node, as render_archive_authorized_key() gives them): a
/// line carrying the comment of a node in `wanted` is replaced in place by the node's line,
/// a missing one is appended, a pgrepl line for `dir` of a node not in `keep_nodes` is
/// removed. Every other line is kept byte for byte. A final newline is added when missing.
std::string merge_authorized_keys(std::string_view current, std::string_view dir,
                                  const std::vector<std::pair<std::string, std::string>>& wanted,
                                  const std::vector<std::string>& keep_nodes);

/// pg_stat_archiver of a server (ages in seconds, from the server's clock).
struct ArchiverStats {
    std::int64_t archived_count = 0;          ///< segments archived since the stats reset
    std::string last_archived_wal;            ///< empty when none
    std::optional<double> last_archived_age;  ///< seconds since last_archived_time
    std::int64_t failed_count = 0;            ///< failed archive_command runs
    std::string last_failed_wal;              ///< empty when none
    std::optional<double> last_failed_age;    ///< seconds since last_failed_time
    bool failing = false;  ///< the last attempt failed (last_failed_time after last_archived_time)
};

/// One row `archived_count|last_archived_wal|last_archived_age|failed_count|last_failed_wal|
/// last_failed_age|failing(t/f)` from pg_stat_archiver (9.4 and later).
std::string stat_archiver_sql();

/// Parses stat_archiver_sql() output.
Result<ArchiverStats> parse_stat_archiver(std::string_view out);

}  // namespace pgrepl
