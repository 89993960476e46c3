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
    // fd 9 holds the flock; `exec cat` keeps it (inherited) until standard input ends, so the
    // lock lives exactly as long as the channel, and the kernel drops it with a dead session.
    return fmt::format(
        R"SH(if [ "$(id -u)" -eq 0 ]; then d={dir}; else d="$HOME/.pgrepl"; fi
mkdir -p -m 0700 "$d" || exit 4
[ -d "$d" ] && [ ! -L "$d" ] || {{ echo "$d is not a directory" >&2; exit 4; }}
[ "$(stat -c %u "$d")" = "$(id -u)" ] || {{ echo "$d is not owned by $(id -un)" >&2; exit 4; }}
chmod 0700 "$d" || exit 4
exec 9>>"$d/lock" || exit 4
who() {{ h=$(head -n 1 "$d/holder" 2>/dev/null); printf '%s %s\n' "$1" "$h"; }}
if ! flock -n 9; then
  [ {wait} -gt 0 ] || {{ who busy; exit 0; }}
  who waiting
  flock -w {wait} 9 || {{ who busy; exit 0; }}
fi
printf '%s\n' {holder} > "$d/holder.new" && mv -f "$d/holder.new" "$d/holder" || exit 4
echo locked
exec cat > /dev/null
)SH",
        fmt::arg("dir", kHostLockDir), fmt::arg("wait", request.wait.count()),
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
        if (word == "waiting") {
            reply.waiting = true;
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
