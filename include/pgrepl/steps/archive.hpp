// WAL archiving in setup (replication.archive): the archive step of every node and, for method
// ssh, what it reads on the archive host through the link that every node's archive step shares
// during a run (ClusterView::archive_host). See docs/archiving.md for the design.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/engine/step.hpp"
#include "pgrepl/pg/archive.hpp"

namespace pgrepl {

/// What the archive step needs to know about the archive host (gathered in one round trip).
struct ArchiveHostState {
    bool postgres_user = false;        ///< the postgres user exists
    std::string postgres_home;         ///< its home directory
    std::string postgres_shell;        ///< its login shell (runs the forced command)
    bool postgres_locked = false;      ///< its password field starts with '!'
    bool use_pam = true;               ///< sshd's UsePAM (without PAM, sshd refuses locked users)
    std::string authorized_keys_path;  ///< where sshd reads postgres's keys
    std::optional<std::string> authorized_keys;  ///< that file's content (nullopt: missing)
    std::optional<std::string> dir_owner;        ///< "user:group mode" of the archive directory
    std::optional<std::string> server_script;    ///< content of kWalSshServer (nullopt: missing)
    std::vector<std::string> cleanup_markers;    ///< nodes with a .pgrepl-keep-NODE file
};

/// The read-only shell script (run as root on the archive host) that prints the state for the
/// archive directory `dir`. sshd's settings are those of the sshd serving the script's own
/// session (the configuration file of the nearest sshd among its ancestors).
std::string archive_host_state_script(const std::string& dir);

/// Parses the output of archive_host_state_script().
Result<ArchiveHostState> parse_archive_host_state(std::string_view output);

/// archive: what archiving needs on a node before PostgreSQL uses it (placed before settings).
/// Method ssh: the postgres user's key pair (created if missing, never overwritten), the
/// archive host's key pinned in KEY.known_hosts (exactly the key the link's verified session was
/// shown, Executor::host_key()), the client script; on the archive host
/// (through the link): the postgres user, the archive directory (postgres, 0700), the server
/// script and the node's restricted authorized_keys line; then a test connection. Methods wal-g
/// and pgbackrest: the tool is installed (else a conflict with a hint).
std::unique_ptr<Step> make_archive_step();

}  // namespace pgrepl
