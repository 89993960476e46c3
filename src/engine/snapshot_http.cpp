#include "snapshot_http.hpp"

#include <fmt/format.h>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/psql_output.hpp"

namespace pgrepl {

std::string http_get_script(const std::vector<std::string>& urls) {
    static const char* const kProgram =
        "import sys, urllib.error, urllib.request\n"
        "for url in sys.argv[1:]:\n"
        "    try:\n"
        "        with urllib.request.urlopen(url, timeout=2) as answer:\n"
        "            status, body = answer.status, answer.read()\n"
        "    except urllib.error.HTTPError as error:\n"
        "        status, body = error.code, error.read()\n"
        "    except Exception as error:\n"
        "        status, body = 0, str(error).encode()\n"
        "    print('@@http %d %s' % (status, url))\n"
        "    for line in body.decode(errors='replace').splitlines():\n"
        "        print('|' + line)\n";
    std::string words;
    for (const auto& url : urls) words += " " + shell_quote(url);
    return fmt::format("command -v python3 >/dev/null && python3 -c {}{} 2>/dev/null\n",
                       shell_quote(kProgram), words);
}

void read_http_frame(const Frame& frame, HostSnapshot& snapshot) {
    const auto space = frame.args.find(' ');
    if (space == std::string_view::npos) return;
    HostSnapshot::HttpAnswer answer;
    answer.status = static_cast<int>(parse_int(frame.args.substr(0, space)).value_or(0));
    for (const auto line : frame_lines(frame)) {
        if (line.substr(0, 1) != "|") continue;
        if (!answer.body.empty()) answer.body += '\n';
        answer.body += std::string(line.substr(1));
    }
    snapshot.http[std::string(frame.args.substr(space + 1))] = std::move(answer);
}

}  // namespace pgrepl
