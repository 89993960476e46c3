// What the settings and restart steps both read: the managed settings' state on the server
// and the restarts that writing the managed file would cause.
#pragma once

#include <string>
#include <vector>

#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/engine/step.hpp"
#include "pgrepl/pg/settings_check.hpp"

namespace pgrepl::steps {

/// Adds the managed file and the pg_settings and pg_file_settings queries of the host's
/// managed settings to `request` (the same for both steps; the snapshot runs them once).
void request_settings_state(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                            SnapshotRequest& request);

/// The pg_file_settings rows of the managed settings from the snapshot.
Result<std::vector<FileSettingRow>> file_settings_rows(const HostSnapshot& snapshot);

/// The settings whose line the managed file would change and that need a restart to take
/// effect: postmaster-context ones (pg_settings says so while the server runs, else a list of
/// the known ones) whose new value differs from the running one. Empty when the file is as
/// desired (after the settings step wrote it).
std::vector<std::string> restarts_of_file_change(const StepContext& context);

}  // namespace pgrepl::steps
