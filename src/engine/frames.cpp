#include "pgrepl/engine/frames.hpp"

#include <fmt/format.h>

#include <charconv>

#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

constexpr std::string_view kMarker = "@@";

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// A header line: "@@" then a lower-case letter, a name of [a-z0-9-], then a space or the end.
bool is_header(std::string_view line) {
    if (line.size() < 3 || line.substr(0, 2) != kMarker || line[2] < 'a' || line[2] > 'z')
        return false;
    std::size_t i = 2;
    while (i < line.size() && is_name_char(line[i])) ++i;
    return i == line.size() || line[i] == ' ';
}

Error broken(std::string_view what) {
    return make_error(ErrorKind::Remote, std::string(what));
}

}  // namespace

Result<std::vector<Frame>> read_frames(std::string_view output) {
    std::vector<Frame> frames;
    std::size_t pos = 0;
    std::size_t body_start = 0;
    bool open = false;  // a frame whose body runs to the next header
    const auto close = [&](std::size_t end) {
        if (open) frames.back().body = output.substr(body_start, end - body_start);
        open = false;
    };
    while (pos < output.size()) {
        const std::size_t line_start = pos;
        std::string_view line = next_line(output, pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!is_header(line)) {
            if (!open && frames.empty()) {  // text before the first header
                frames.push_back(Frame{});
                body_start = line_start;
                open = true;
            }
            continue;
        }
        close(line_start);
        Frame frame;
        const auto space = line.find(' ');
        frame.name = line.substr(2, space == std::string_view::npos ? line.npos : space - 2);
        if (space != std::string_view::npos) frame.args = line.substr(space + 1);
        if (frame.name == "file") {
            std::size_t size = 0;
            const auto* first = frame.args.data();
            const auto* last = first + frame.args.size();
            const auto [ptr, ec] = std::from_chars(first, last, size);
            if (ec != std::errc() || ptr != last || frame.args.empty()) return broken("file size");
            if (pos > output.size() || size + 1 > output.size() - pos)
                return broken("file cut short");
            frame.body = output.substr(pos, size);
            pos += size + 1;  // the content, then the echo's newline
            frames.push_back(frame);
            continue;
        }
        frames.push_back(frame);
        body_start = pos;
        open = true;
    }
    close(output.size());
    return frames;
}

std::string shell_frame(std::string_view name, std::string_view args) {
    if (args.empty()) return fmt::format("echo @@{}", name);
    return fmt::format("echo @@{} {}", name, args);
}

std::string psql_frame(std::string_view name, std::string_view args) {
    if (args.empty()) return fmt::format("\\echo @@{}", name);
    return fmt::format("\\echo @@{} {}", name, args);
}

std::string shell_file_frame(std::string_view path) {
    return fmt::format(
        "f={}; if [ -f \"$f\" ]; then printf '@@file %s\\n' \"$(wc -c < \"$f\")\"; cat \"$f\"; "
        "echo; else echo @@nofile; fi",
        path);
}

std::string shell_file_frames(const std::vector<std::string>& paths) {
    if (paths.empty()) return {};
    if (paths.size() == 1) return shell_file_frame(paths.front());
    // One wc for the sizes of all regular files among them ("SIZE PATH" lines in their order,
    // sizes padded, then a total line), then each as a sized frame, matched by its path: a file
    // gone between the test and wc is @@nofile. About 3 ms of forks less per file than one wc
    // each (a no-op run reads four to five files on each host).
    std::string call = "pgrepl_files";
    for (const auto& path : paths) call += " " + path;
    return R"SH(pgrepl_files() {
  n=$#
  for f; do [ -f "$f" ] && set -- "$@" "$f"; done
  z=; [ $# -gt $n ] && z=$(shift $n; exec wc -c -- "$@" 2>/dev/null)
  i=0
  for f; do
    i=$((i + 1)); [ $i -le $n ] || break
    l=${z%%
*}; l=${l#"${l%%[! ]*}"}
    if [ -n "$z" ] && [ "${l#* }" = "$f" ]; then
      case $z in *'
'*) z=${z#*
} ;; *) z= ;; esac
      printf '@@file %s
' "${l%% *}"; cat -- "$f"; echo
    else
      echo @@nofile
    fi
  done
}
)SH" + call;
}

std::vector<std::string_view> frame_lines(const Frame& frame) {
    std::vector<std::string_view> lines = split_lines(frame.body);
    for (auto& line : lines) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    }
    return lines;
}

}  // namespace pgrepl
