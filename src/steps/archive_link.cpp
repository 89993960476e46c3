// The archive host of method ssh: what pgrepl reads there.
#include <fmt/format.h>

#include "pgrepl/engine/frames.hpp"
#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/steps/archive.hpp"

namespace pgrepl {
namespace {

std::string field(std::string_view line, int index, char separator) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) {
        start = line.find(separator, start);
        if (start == std::string_view::npos) return {};
        ++start;
    }
    return std::string(line.substr(start, line.find(separator, start) - start));
}

Error malformed(std::string_view what) {
    return make_error(ErrorKind::Remote,
                      fmt::format("archive host: malformed state output ({})", what),
                      "run with -vv to see the remote command");
}

}  // namespace

// sshd's settings come from the sshd that serves this very session: the -f of the nearest sshd
// among the script's ancestors (the listener's process title may hold its whole command line as
// one string), else sshd's default file. Not from a pid file: another sshd may have written it,
// or none at all (PidFile none). The host key is not read here at all: the nodes pin the key the
// session was verified with (Executor::host_key()).
std::string archive_host_state_script(const std::string& dir) {
    return fmt::format(
        R"SH(dir={0}
pw=$(getent passwd postgres) && echo "@@user $pw" || echo "@@nouser"
case $(getent shadow postgres | cut -d: -f2) in '!'*) echo "@@locked" ;; esac
home=$(printf '%s\n' "$pw" | cut -d: -f6)
# The configuration of the sshd serving this session: the -f of the nearest sshd ancestor.
cfg=/etc/ssh/sshd_config p=$PPID
while [ "$p" -gt 1 ] 2>/dev/null; do
  case $(readlink "/proc/$p/exe" 2>/dev/null) in
    */sshd | */sshd" (deleted)") f=$(tr '\0 ' '\n\n' <"/proc/$p/cmdline" | sed -n -e '/^-f$/{{n;p;q;}}' -e 's/^-f//p')
      if [ -n "$f" ]; then cfg=$f; break; fi ;;
  esac
  p=$(awk '$1=="PPid:"{{print $2}}' "/proc/$p/status" 2>/dev/null)
done
sshd=$(command -v sshd || echo /usr/sbin/sshd)
T=$("$sshd" -T -f "$cfg" -C user=postgres,host=localhost,addr=127.0.0.1 2>/dev/null)
printf '%s\n' "$T" | awk '$1=="usepam"{{print "@@usepam " $2}}'
akf=$(printf '%s\n' "$T" | awk '$1=="authorizedkeysfile"{{print $2; exit}}')
[ -n "$akf" ] || akf=.ssh/authorized_keys
akf=$(printf '%s' "$akf" | sed -e "s|%u|postgres|g" -e "s|%h|$home|g" -e 's|%%|%|g')
case $akf in /*) ;; *) akf=$home/$akf ;; esac
echo "@@akf $akf"
[ -d "$dir" ] && echo "@@dir $(stat -c '%U:%G %a' "$dir")"
for m in "$dir"/.pgrepl-keep-*; do
  case $m in *.tmp) continue ;; esac
  [ -f "$m" ] && echo "@@marker ${{m##*/.pgrepl-keep-}}"
done
for p in {1} "$akf"; do
  {2}
done
)SH",
        shell_quote(dir), shell_quote(kWalSshServer), shell_file_frame("\"$p\""));
}

Result<ArchiveHostState> parse_archive_host_state(std::string_view output) {
    ArchiveHostState state;
    auto frames = read_frames(output);
    if (!frames) return malformed(describe(frames.error()));
    std::vector<std::optional<std::string>> files;
    for (const Frame& frame : *frames) {
        const auto& name = frame.name;
        if (name == "user") {
            state.postgres_user = true;
            state.postgres_home = field(frame.args, 5, ':');
            state.postgres_shell = field(frame.args, 6, ':');
        } else if (name == "locked") {
            state.postgres_locked = true;
        } else if (name == "usepam") {
            state.use_pam = frame.args != "no";
        } else if (name == "akf") {
            state.authorized_keys_path = std::string(frame.args);
        } else if (name == "dir") {
            state.dir_owner = std::string(frame.args);
        } else if (name == "marker") {
            state.cleanup_markers.emplace_back(frame.args);
        } else if (name == "nofile") {
            files.emplace_back(std::nullopt);
        } else if (name == "file") {
            files.emplace_back(std::string(frame.body));
        }
    }
    if (files.size() != 2) return malformed("files");
    if (state.authorized_keys_path.empty()) return malformed("authorized_keys path");
    state.server_script = std::move(files[0]);
    state.authorized_keys = std::move(files[1]);
    return state;
}

}  // namespace pgrepl
