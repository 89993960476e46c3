// Judging the gathered state: pure functions from what the hosts said (plus the live topology
// and the probe's outcome) to named checks, figures and problems. No I/O here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/verify/probe.hpp"
#include "pgrepl/verify/report.hpp"
#include "pgrepl/verify/state.hpp"
#include "pgrepl/verify/topology.hpp"

namespace pgrepl {

/// Every check of every host (see docs/verify.md for the names and what each one means).
/// `states` are in inventory order with their host set; `probe.hosts` has one result per host
/// (or is empty when the probe did not run).
VerifyReport assess(const Inventory& inventory, std::vector<HostState> states,
                    const LiveTopology& topology, const ProbeOutcome& probe,
                    const VerifyThresholds& thresholds);

/// A standby's lag behind the live primary: bytes from the primary's current WAL position and
/// the standby's replay position (never negative); seconds from `sender`'s replay_lag when the
/// upstream reports one, else zero when nothing is left to replay, else unknown. When the
/// primary has been idle (caught up, last replayed commit older than max_lag_seconds) the note
/// says so instead of calling that age a lag.
LagFigures compute_lag(const HostState& standby, const HostState* primary,
                       const std::optional<ReplicationRow>& sender,
                       const VerifyThresholds& thresholds);

/// The `lag` check: Failed when bytes exceed max_lag_bytes or known seconds exceed
/// max_lag_seconds, Skipped when the bytes are unknown, else Ok.
CheckResult lag_check(const LagFigures& lag, const VerifyThresholds& thresholds);

/// The managed settings that are not in effect on the host (pg_settings), one message each,
/// as setup's settings step judges them: overridden by another file, unknown to the server,
/// or waiting for a restart.
std::vector<std::string> settings_problems(const Inventory& inventory, const HostState& state);

}  // namespace pgrepl
