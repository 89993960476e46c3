// The replica step's clone marker (ClusterPaths::clone_marker): written before pg_basebackup
// fills the data directory, removed once the standby streams. A marker left behind tells the
// next run that a stopped, half-filled or never-started data directory is pgrepl's own
// interrupted clone of that upstream, which may be cloned again without --force.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgrepl {

/// What a clone marker records.
struct CloneMarker {
    std::string upstream;           ///< the upstream's inventory name (for messages)
    std::string system_identifier;  ///< the upstream's system identifier at the clone's start
    std::string data_directory;     ///< the data directory the clone filled
    std::string started;            ///< when the clone started (UTC, ISO 8601)
    /// pg_basebackup's --label for this clone ("pgrepl clone begun STARTED"): it is in the
    /// argv of the clone's processes, so a later run knows them as this clone's.
    std::string label;
};

/// The marker of a clone of `upstream` (system `system_identifier`) into `data_directory`
/// beginning now.
CloneMarker new_clone_marker(std::string upstream, std::string system_identifier,
                             std::string data_directory);

/// The marker file's content (key=value lines after a comment).
std::string render_clone_marker(const CloneMarker& marker);

/// Reads a marker's content; unknown lines are ignored, missing keys stay empty (a marker
/// without a system identifier matches no upstream).
CloneMarker parse_clone_marker(std::string_view content);

}  // namespace pgrepl
