// The archive host's side of the archive step (method ssh), reached through the shared link.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgrepl/steps/archive.hpp"

namespace pgrepl::steps {

/// What the archive host has, and what the node's archive step would change there.
struct ArchiveHostPlan {
    ArchiveHostState state;            ///< as read
    std::string host_key;              ///< the key the link's verified session was shown
    std::optional<Check> conflict;     ///< the archive host cannot serve (no shell)
    std::vector<std::string> changes;  ///< one line per change
    std::string diff;                  ///< before/after of the changes
};

/// Reads the archive host's state through the link (one read-only round trip) and plans the
/// changes for this node. `public_key` is the node's `TYPE BASE64`, when it already exists.
Result<ArchiveHostPlan> plan_archive_host(const StepContext& context, HostLink& link,
                                          const std::optional<std::string>& public_key);

/// Under the link's lock, from a fresh read: the postgres user, the archive directory, the
/// server script, the node's authorized_keys line, the node's cleanup marker when it runs as a
/// primary. Returns the archive host's key as the link's verified session was shown it
/// (`TYPE BASE64`, to pin on the node).
Result<std::string> apply_archive_host(const StepContext& context, HostLink& link,
                                       const std::string& public_key);

}  // namespace pgrepl::steps
