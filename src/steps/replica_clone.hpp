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

/// Stop, empty the data directory, pg_basebackup from the upstream, write the standby
/// settings, start, and wait until the WAL receiver streams.
Status clone_standby(const StepContext& context, std::string_view step);

/// Rewrite the standby settings, then reload (13+) or restart, and wait until it streams.
Status reconfigure_standby(const StepContext& context, std::string_view step);

/// Write the standby settings if they differ, start the server, wait until it streams.
Status start_standby(const StepContext& context, std::string_view step);

}  // namespace pgrepl::steps
