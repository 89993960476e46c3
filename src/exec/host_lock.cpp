#include "pgrepl/exec/host_lock.hpp"

#include <fmt/format.h>

#include "pgrepl/exec/quote.hpp"

namespace pgrepl {

Result<LockOutcome> Executor::hold_lock(const LockRequest&) {
    return make_host_error(ErrorKind::Internal, host_name(), "lock",
                           "this executor cannot take the host lock (a wrapper must forward "
                           "hold_lock)");
}

std::string host_lock_script(const LockRequest& request) {
    // fd 9 holds the flock until standard input ends (the channel closes, or the session dies)
    // and the run's commands still running have ended; the kernel then drops it with the
    // script.
    // The holder file's third line is "ended" while only the commands of a run that ended
    // still hold the host: the next run waits up to kDrainSeconds for them instead of refusing.
    // The holder file's second line is the pid holding fd 9: a run that finds the lock taken
    // names the holder only once that pid holds this very lock file (the holder may not have
    // written its line yet, or the file may still name an earlier run), for up to 5 s. That
    // check also covers a holder file read while it is being written (one small write, no
    // rename needed). A free lock costs three processes (id, stat, flock): the directory is
    // made and its mode set only when needed, the lock file's path resolved only when busy.
    return fmt::format(
        R"SH(trap '' HUP PIPE
u=$(id -u)
if [ "$u" -eq 0 ]; then d={dir}; else d={user_dir}; fi
[ -d "$d" ] || mkdir -p -m 0700 "$d" || exit 4
[ -d "$d" ] && [ ! -L "$d" ] || {{ echo "$d is not a directory" >&2; exit 4; }}
m=$(stat -c '%u %a' "$d") || exit 4
[ "${{m% *}}" = "$u" ] || {{ echo "$d is not owned by $(id -un)" >&2; exit 4; }}
[ "${{m#* }}" = 700 ] || chmod 0700 "$d" || exit 4
exec 9>>"$d/lock" || exit 4
l=
held_by() {{
  i=0
  while :; do
    flock -n 9 && return 1
    [ -n "$l" ] || l=$(readlink -f "$d/lock")
    h= p= e=
    {{ IFS= read -r h; IFS= read -r p; IFS= read -r e; }} 2>/dev/null < "$d/holder"
    case $p in ''|*[!0-9]*) ;; *) [ "$(readlink "/proc/$p/fd/9" 2>/dev/null)" = "$l" ] && return 0 ;; esac
    i=$((i + 1))
    [ $i -lt 50 ] || {{ h= e=; return 0; }}
    sleep 0.1
  done
}}
if held_by; then
  if [ "$e" = ended ]; then
    # That run has ended: only its commands still running hold the host, for a moment.
    printf 'draining %s\n' "$h"
    flock -w {drain} 9 || ! held_by || {{ printf 'busy %s (ended; its commands still run)\n' "$h"; exit 0; }}
  else
    [ {wait} -gt 0 ] || {{ printf 'busy %s\n' "$h"; exit 0; }}
    printf 'waiting %s\n' "$h"
    flock -w {wait} 9 || ! held_by || {{ printf 'busy %s\n' "$h"; exit 0; }}
  fi
fi
printf '%s\n%s\n' {holder} "$$" > "$d/holder" || exit 4
echo locked
cat > /dev/null
# The run ended, or its session did: the commands it still runs (each holds $d/active shared)
# keep the host until they end; the holder file says so to the next run, which waits for them.
if ! flock -n -x "$d/active" true; then
  printf '%s\n%s\nended\n' {holder} "$$" > "$d/holder.new" && mv -f "$d/holder.new" "$d/holder"
  flock -x "$d/active" true
fi
)SH",
        fmt::arg("dir", kHostLockDir), fmt::arg("user_dir", kUserLockDir),
        fmt::arg("wait", request.wait.count()), fmt::arg("drain", kDrainSeconds),
        fmt::arg("holder", shell_quote(lock_holder_line(request.holder))));
}

LockReply read_lock_reply(std::string_view out) {
    LockReply reply;
    while (!out.empty()) {
        const auto end = out.find('\n');
        if (end == std::string_view::npos) break;  // an incomplete line: not read yet
        const std::string_view line = out.substr(0, end);
        out.remove_prefix(end + 1);
        const auto word = line.substr(0, line.find(' '));
        const auto rest = word.size() < line.size() ? line.substr(word.size() + 1) : "";
        if (line == "locked") {
            reply.state = LockReply::State::Locked;
            return reply;
        }
        if (word == "busy") {
            reply.state = LockReply::State::Busy;
            reply.holder = lock_holder_line(rest);
            return reply;
        }
        if (word == "waiting" || word == "draining") {
            reply.waiting = true;
            reply.draining = word == "draining";
            reply.holder = lock_holder_line(rest);
        }
    }
    return reply;
}

std::string lock_holder_line(std::string_view text) {
    std::string line;
    for (char c : text.substr(0, 300)) {
        line.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
}

}  // namespace pgrepl
