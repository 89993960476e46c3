// Timeline history files and whether a standby can follow an upstream on its timeline (pure).
//
// A history file (pg_wal/0000000N.history, or the replication command TIMELINE_HISTORY N) lists
// the ancestors of timeline N, one line each: "parentTLI<TAB>switchpoint<TAB>reason", where the
// switch point is the WAL position at which timeline N's lineage left the parent timeline.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// One line of a timeline history file: `timeline` ended (for this lineage) at `switch_point`.
struct TimelineSwitch {
    std::uint32_t timeline = 0;      ///< the parent timeline
    std::uint64_t switch_point = 0;  ///< where the next timeline of the lineage forked from it
};

/// Parses a timeline history file. Blank lines and lines starting with '#' (after blanks) are
/// skipped; every other line needs a timeline, a TAB (or blanks) and an LSN (the reason is
/// optional). Timelines must increase. An Error (Remote) names the offending line.
Result<std::vector<TimelineSwitch>> parse_timeline_history(std::string_view text);

/// Whether a standby can follow an upstream.
enum class TimelineFit {
    Follows,   ///< same timeline, or it has not replayed past the fork point
    Diverged,  ///< it replayed WAL the upstream's history does not contain: re-clone it
};

/// The verdict of standby_timeline_fit().
struct TimelineVerdict {
    TimelineFit fit = TimelineFit::Follows;  ///< follows or diverged
    /// Why it diverged, e.g. "it replayed up to 0/5000100 on timeline 1, but db2's timeline 2
    /// forked from timeline 1 at 0/5000000"; empty when it follows.
    std::string why;
};

/// Where a standby stands.
struct StandbyTimeline {
    std::uint32_t timeline = 0;    ///< the timeline it replays
    std::uint64_t replay_lsn = 0;  ///< the end of the last record it replayed
};

/// Where an upstream stands.
struct UpstreamTimeline {
    std::uint32_t timeline = 0;           ///< its current timeline (IDENTIFY_SYSTEM)
    std::vector<TimelineSwitch> history;  ///< its timeline's history (empty for timeline 1)
};

/// Says whether a standby can follow the upstream (named `upstream_name` in the message): on
/// the upstream's timeline it follows; on an ancestor with switch point S it follows iff its
/// replay position is at most S; on a timeline newer than the upstream's, or one that is not
/// in the upstream's history, it diverged. A timeline of 0 or an empty history (above
/// timeline 1) is unknown: no divergence is claimed then.
TimelineVerdict standby_timeline_fit(const StandbyTimeline& standby,
                                     const UpstreamTimeline& upstream,
                                     std::string_view upstream_name);

}  // namespace pgrepl
