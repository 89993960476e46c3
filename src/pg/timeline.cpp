#include "pgrepl/pg/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pgrepl/pg/psql_output.hpp"

namespace pgrepl {
namespace {

constexpr std::size_t kShownLine = 80;

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

// The next token of `line` from `pos` (up to a blank), advancing pos past it and the blanks
// after it.
std::string_view take_token(std::string_view line, std::size_t& pos) {
    const auto start = pos;
    while (pos < line.size() && !is_blank(line[pos])) ++pos;
    const auto token = line.substr(start, pos - start);
    while (pos < line.size() && is_blank(line[pos])) ++pos;
    return token;
}

Error bad_line(std::size_t number, std::string_view line, std::string_view what) {
    std::string shown(line.substr(0, kShownLine));
    if (line.size() > kShownLine) shown += "...";
    return make_error(ErrorKind::Remote,
                      fmt::format("timeline history: line {}: {}: '{}'", number, what, shown));
}

}  // namespace

Result<std::vector<TimelineSwitch>> parse_timeline_history(std::string_view text) {
    std::vector<TimelineSwitch> history;
    std::size_t pos = 0;
    std::size_t number = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(pos, end - pos);
        pos = end + 1;
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::size_t at = 0;
        while (at < line.size() && is_blank(line[at])) ++at;
        if (at == line.size() || line[at] == '#') continue;
        const auto tli_text = take_token(line, at);
        const auto tli = parse_int(tli_text);
        if (!tli || *tli <= 0 || *tli > 0xFFFFFFFFLL) {
            return bad_line(number, line, "expected a timeline number");
        }
        const auto lsn = parse_lsn(take_token(line, at));
        if (!lsn) return bad_line(number, line, "expected a WAL switch point");
        const auto timeline = static_cast<std::uint32_t>(*tli);
        if (!history.empty() && timeline <= history.back().timeline) {
            return bad_line(number, line, "timelines must increase");
        }
        history.push_back({timeline, *lsn});
    }
    return history;
}

TimelineVerdict standby_timeline_fit(const StandbyTimeline& standby,
                                     const UpstreamTimeline& upstream,
                                     std::string_view upstream_name) {
    // 0 is no timeline: never claim a divergence on an unknown position.
    if (standby.timeline == 0 || upstream.timeline == 0 || standby.timeline == upstream.timeline) {
        return {};
    }
    if (standby.timeline > upstream.timeline) {
        return {TimelineFit::Diverged,
                fmt::format("it is on timeline {}, newer than {}'s timeline {}", standby.timeline,
                            upstream_name, upstream.timeline)};
    }
    // A timeline above 1 always has ancestors: an empty history is an unknown one.
    if (upstream.history.empty()) return {};
    const auto found = std::find_if(
        upstream.history.begin(), upstream.history.end(),
        [&](const TimelineSwitch& entry) { return entry.timeline == standby.timeline; });
    if (found == upstream.history.end()) {
        return {TimelineFit::Diverged,
                fmt::format("it is on timeline {}, which is not in the history of {}'s timeline {}",
                            standby.timeline, upstream_name, upstream.timeline)};
    }
    if (standby.replay_lsn <= found->switch_point) return {};
    return {TimelineFit::Diverged,
            fmt::format("it replayed up to {} on timeline {}, but {}'s timeline {} forked from "
                        "timeline {} at {}",
                        format_lsn(standby.replay_lsn), standby.timeline, upstream_name,
                        upstream.timeline, found->timeline, format_lsn(found->switch_point))};
}

}  // namespace pgrepl
