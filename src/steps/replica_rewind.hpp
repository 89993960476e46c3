// The replica step's rewind: a stopped old primary (or diverged standby) back as a standby of
// its upstream with pg_rewind instead of a clone.
#pragma once

#include <string>
#include <string_view>

#include "pgrepl/engine/step.hpp"

namespace pgrepl::steps {

/// Brings the stopped data directory to a clean shutdown when it crashed (single-user crash
/// recovery, standby.signal set aside meanwhile), writes the standby settings (pg_rewind reads
/// restore_command from them), runs pg_rewind as postgres from the upstream as the rewind role
/// (passfile; `--config-file` on 15+, `--restore-target-wal` on 15+ with an archive, never
/// `-R`), logs the fork point and the WAL bytes discarded, writes the standby settings again
/// (pg_rewind copied the source's files), unfences the host, starts it and waits until it
/// streams.
Status rewind_standby(const StepContext& context, std::string_view step);

/// The conninfo pg_rewind connects to `upstream` with: the rewind role, database postgres,
/// the passfile (never a password).
std::string rewind_source_conninfo(const Inventory& inventory, const Host& upstream,
                                   std::string_view passfile);

}  // namespace pgrepl::steps
