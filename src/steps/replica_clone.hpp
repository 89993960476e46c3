// The replica step's actions: clone with pg_basebackup, write standby settings, start, wait.
#pragma once

#include <string>
#include <string_view>

#include "pgrepl/engine/step.hpp"
#include "pgrepl/pg/standby.hpp"

namespace pgrepl::steps {

/// The standby settings this host should have (upstream, slot, passfile, application_name).
StandbyInput standby_input(const StepContext& context);

/// True when the standby settings on disk are the desired ones.
bool standby_files_match(const StepContext& context);

/// A diff of the standby settings on disk against the desired ones.
std::string standby_diff(const StepContext& context);

/// Writes the standby settings (12+: conf.d/pgrepl-standby.conf and standby.signal; before
/// 12: DATA/recovery.conf).
Status write_standby_files(const StepContext& context);

/// Waits (up to 60 s) until the WAL receiver streams; a Timeout with the server log's tail.
Status wait_streaming(const StepContext& context, std::string_view step);

/// Shell text that gives a host fenced by promote its start.conf back (auto) and removes the
/// fence marker; nothing when there is no marker.
std::string unfence_script(const StepContext& context);

/// Wait (bounded) for a pg_basebackup of an earlier run still writing into the data
/// directory, stop, empty the data directory, write the clone marker, pg_basebackup from the
/// upstream, write the standby settings, start, wait until the WAL receiver streams, and
/// remove the clone marker.
Status clone_standby(const StepContext& context, std::string_view step);

/// The hint for a pg_basebackup into `data_dir` on `host` that failed with `message`: a full
/// file system says so (free space, then a plain re-run clones again), anything else points at
/// the upstream's replication login.
std::string clone_failure_hint(std::string_view message, std::string_view host,
                               std::string_view data_dir);

/// Removes the clone marker (ClusterPaths::clone_marker).
Status remove_clone_marker(const StepContext& context, std::string_view step);

/// Rewrite the standby settings, then reload (13+) or restart, and wait until it streams
/// (then remove a clone marker left by an earlier run).
Status reconfigure_standby(const StepContext& context, std::string_view step);

/// Write the standby settings if they differ, start the server, wait until it streams (then
/// remove a clone marker left by an earlier run).
Status start_standby(const StepContext& context, std::string_view step);

}  // namespace pgrepl::steps
