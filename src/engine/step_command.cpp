// run_checked: a step's remote command, its failure as an Error that says why.
#include <fmt/format.h>

#include "pgrepl/engine/step.hpp"

namespace pgrepl {
namespace {

std::string last_line(const std::string& text) {
    auto end = text.find_last_not_of("\r\n \t");
    if (end == std::string::npos) return {};
    auto start = text.find_last_of('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1,
                       end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// The lines of a failed command's stderr that say why: the first one naming an error
// ("pg_basebackup: error: ...", "ERROR:  ...", "FATAL:  ...": the cause, printed first, e.g. by
// pg_basebackup's WAL streaming child), followed by the last such line when it differs (what
// the tool concluded; a closing remark such as "removing contents of data directory" is not
// one), else the last line. Progress lines ending in \r count as lines.
std::string failure_line(const std::string& text) {
    std::string first;
    std::string last;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find_first_of("\r\n", start);
        if (end == std::string::npos) end = text.size();
        const std::string_view line(text.data() + start, end - start);
        for (std::string_view marker : {"error:", "ERROR:", "FATAL:", "PANIC:"}) {
            if (line.find(marker) != std::string_view::npos) {
                (first.empty() ? first : last) = std::string(line);
                break;
            }
        }
        start = end + 1;
    }
    if (first.empty()) return last_line(text);
    return last.empty() || last == first ? first : first + " (then: " + last + ")";
}

}  // namespace

Result<CommandResult> run_checked(const StepContext& context, std::string_view step,
                                  Command command) {
    auto result = context.executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        std::string what = result->signal ? fmt::format("killed by SIG{}", *result->signal)
                                          : fmt::format("exit {}", result->exit_status);
        auto detail = failure_line(result->err);
        if (detail.empty() && !command.secret_output) detail = last_line(result->out);
        return make_host_error(ErrorKind::Remote, context.host.name, std::string(step),
                               fmt::format("{} failed ({}){}{}", command.purpose, what,
                                           detail.empty() ? "" : ": ", detail),
                               "run with -vv to see the remote command");
    }
    return result;
}

}  // namespace pgrepl
