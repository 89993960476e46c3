#include "pgrepl/engine/facts.hpp"

#include <fmt/format.h>

#include <sstream>

#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

// Runs psql as postgres on the cluster and prints one line `key=value` per column, for a
// query that returns one row in unaligned, tuples-only form with '|' separators.
// Prints key=value lines. Reads postgresql-common's files directly and calls the server's own
// binaries: the Perl wrappers (pg_lsclusters, pg_ctlcluster, psql --cluster) cost ~70 ms each.
// Defines pg_psql (psql as postgres on the cluster's socket, -X -At -F '|') and `running`
// for later scripts.
// A stopped cluster's data directory is also searched for pg_basebackup processes writing into
// it (their argv names it after -D or --pgdata), e.g. the survivor of an interrupted clone.
// Every process it forks costs the host about a millisecond of CPU, and a cluster of nine on
// small machines spends most of a no-op run in these scripts: builtins where they do the job
// (one `id -u`, one sed for both postgresql.conf values, `read` for the postmaster's pid).
// The package's state is read from dpkg's status file (deb-status: the stanza from its
// Package line to the blank line, Status "want ok installed", held packages too) by one awk
// that stops there: dpkg-query loads the whole database and costs about 13 ms, the awk 2 ms. As
// root, pg_controldata reads pg_control itself (it refuses nothing as root) instead of through
// runuser's PAM session (about 7 ms); as postgres when root cannot read it (root-squashed NFS).
// The user's name is $USER as root (sshd and sudo set it), `id -un` otherwise.
constexpr const char* kProbeTemplate = R"SH(V={version}; C={cluster}
CONF="/etc/postgresql/$V/$C"; BIN="/usr/lib/postgresql/$V/bin"
PGREPL_UID=$(id -u)
as_postgres() {{ if [ "$PGREPL_UID" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }}
if [ "$PGREPL_UID" = 0 ] && [ -n "${{USER:-}}" ]; then echo "user=$USER"; else echo "user=$(id -un)"; fi
if [ -r /etc/os-release ]; then . /etc/os-release; fi
echo "os=${{PRETTY_NAME:-unknown}}"
case "$(awk -v p="Package: postgresql-$V" '$0 == p {{ f = 1 }} f && /^Status: / {{ print; exit }} $0 == "" {{ f = 0 }}' /var/lib/dpkg/status 2>/dev/null)" in
  *' ok installed'*) echo pg_installed=yes ;;
  *) echo pg_installed=no ;;
esac
D=''; PORT={port}
if [ -f "$CONF/postgresql.conf" ]; then
  echo cluster_exists=yes
  P=''
  while IFS= read -r l; do case $l in d=*) D=${{l#d=}} ;; p=*) P=${{l#p=}} ;; esac; done <<PGREPL_CONF
$(sed -n -e "s/^[[:space:]]*data_directory[[:space:]]*=[[:space:]]*'\{{0,1\}}\([^'#[:space:]]*\).*/d=\1/p" -e "s/^[[:space:]]*port[[:space:]]*=[[:space:]]*'\{{0,1\}}\([^'#[:space:]]*\).*/p=\1/p" "$CONF/postgresql.conf" 2>/dev/null)
PGREPL_CONF
  [ -n "$D" ] || D="/var/lib/postgresql/$V/$C"
  [ -n "$P" ] && PORT=$P
  echo "data_directory=$D"; echo "port=$PORT"
else
  echo cluster_exists=no
fi
if [ "$PGREPL_UID" != 0 ] && [ -n "$D" ] && [ -d "$D" ] && [ ! -x "$D" ]; then echo data_dir_closed=yes; fi
pg_psql() {{ {psql} "$@"; }}
if [ -n "$D" ] && [ -f "$D/PG_VERSION" ]; then
  echo pg_version_file=yes
  if [ -f "$D/standby.signal" ] || [ -f "$D/recovery.conf" ]; then echo standby_signal=yes; fi
  if [ -f "$D/backup_label" ]; then echo backup_label=yes; fi
  [ -f "$D/postmaster.opts" ] || echo never_started=yes
  {{ LC_ALL=C "$BIN/pg_controldata" "$D" 2>/dev/null || as_postgres env LC_ALL=C "$BIN/pg_controldata" "$D" 2>/dev/null; }} | sed -n \
    -e 's/^Database system identifier: *\(.*\)$/controldata_sysid=\1/p' \
    -e 's/^Database cluster state: *\(.*\)$/controldata_state=\1/p' \
    -e "s/^Latest checkpoint location: *\\(.*\\)$/controldata_checkpoint=\\1/p" \
    -e "s/^Latest checkpoint's TimeLineID: *\\(.*\\)$/controldata_checkpoint_tli=\\1/p" \
    -e 's/^Minimum recovery ending location: *\(.*\)$/controldata_min_recovery=\1/p' \
    -e "s/^Min recovery ending loc's timeline: *\\(.*\\)$/controldata_min_recovery_tli=\\1/p" \
    -e 's/^Data page checksum version: *\(.*\)$/controldata_checksums=\1/p' \
    -e 's/^wal_log_hints setting: *\(.*\)$/controldata_wal_log_hints=\1/p'
fi
running=no
if [ -n "$D" ] && [ -f "$D/postmaster.pid" ]; then
  pid=''; {{ IFS= read -r pid < "$D/postmaster.pid"; }} 2>/dev/null
  case "$pid" in ''|*[!0-9]*) ;; *) kill -0 "$pid" 2>/dev/null && running=yes ;; esac
fi
echo "running=$running"
if [ "$running" = no ] && [ -n "$D" ]; then
  pids=''
  for f in $(grep -lasF -e "$D" /proc/[0-9]*/cmdline 2>/dev/null); do
    a=$(tr '\0' '\n' 2>/dev/null < "$f") || continue
    case "$(printf '%s\n' "$a" | head -n 1)" in */pg_basebackup|pg_basebackup) ;; *) continue ;; esac
    if printf '%s\n' "$a" | grep -qxF -e "$D" -e "-D$D" -e "--pgdata=$D"; then
      p=${{f#/proc/}}; pids="$pids ${{p%/cmdline}}"
    fi
  done
  [ -z "$pids" ] || echo "basebackup_pids=${{pids# }}"
fi
)SH";

}  // namespace

const char* to_string(LiveRole role) {
    switch (role) {
        case LiveRole::Primary:
            return "primary";
        case LiveRole::Standby:
            return "standby";
        case LiveRole::Unknown:
            return "unknown";
    }
    return "unknown";
}

std::string host_probe_script(const Host& host) {
    return fmt::format(
        kProbeTemplate, fmt::arg("version", shell_quote(host.postgres.version.to_string())),
        fmt::arg("cluster", shell_quote(host.postgres.cluster_name)),
        fmt::arg("port", host.postgres.port), fmt::arg("psql", psql_command(host, probe_psql())));
}

HostFacts parse_host_probe(std::string_view output) {
    HostFacts facts;
    for (const auto line : split_lines(output)) {
        if (line.substr(0, 2) == "@@") break;  // the frames that follow the facts
        auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        facts.raw.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
    auto get = [&](const char* key) -> std::string {
        auto it = facts.raw.find(key);
        return it == facts.raw.end() ? std::string{} : it->second;
    };
    facts.user = get("user");
    facts.os = get("os");
    facts.pg_installed = get("pg_installed") == "yes";
    facts.cluster_exists = get("cluster_exists") == "yes";
    facts.cluster_running = get("running") == "yes";
    facts.data_dir_has_pg_version = get("pg_version_file") == "yes";
    facts.standby_signal = get("standby_signal") == "yes";
    facts.backup_label = get("backup_label") == "yes";
    facts.never_started = get("never_started") == "yes";
    facts.data_dir_closed = get("data_dir_closed") == "yes";
    std::istringstream pids(get("basebackup_pids"));
    for (std::string pid; pids >> pid;) facts.basebackup_pids.push_back(pid);
    facts.system_identifier = get("controldata_sysid");
    facts.control_state = get("controldata_state");
    facts.control_checkpoint = get("controldata_checkpoint");
    facts.control_checkpoint_timeline = get("controldata_checkpoint_tli");
    facts.control_min_recovery = get("controldata_min_recovery");
    facts.control_min_recovery_timeline = get("controldata_min_recovery_tli");
    facts.control_checksum_version = get("controldata_checksums");
    facts.control_wal_log_hints = get("controldata_wal_log_hints");
    facts.cluster_port = std::atoi(get("port").c_str());
    facts.data_directory = get("data_directory");
    return facts;
}

}  // namespace pgrepl
