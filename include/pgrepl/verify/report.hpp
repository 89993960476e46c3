// The verdict of `pgrepl verify`: for each host, named checks with a status, the figures
// behind them and the gathered state; for the cluster, the live primary, notes and problems.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/util/exit_code.hpp"
#include "pgrepl/verify/archive_test.hpp"
#include "pgrepl/verify/probe.hpp"
#include "pgrepl/verify/state.hpp"
#include "pgrepl/verify/topology.hpp"

namespace pgrepl {

/// When lag turns into a failure, and how long the probe may take.
struct VerifyThresholds {
    std::uint64_t max_lag_bytes = 16ull * 1024 * 1024;  ///< --max-lag-bytes (16 MiB)
    double max_lag_seconds = 30;                        ///< --max-lag-seconds
    std::chrono::milliseconds timeout{10000};           ///< --timeout (10 s)
};

/// The outcome of one check.
enum class CheckStatus {
    Ok,       ///< passed
    Warning,  ///< worth a look; does not make the cluster unhealthy
    Failed,   ///< replication is broken or at risk: unhealthy
    Skipped,  ///< could not be judged because an earlier check failed, or does not apply
};

/// One named check of a host (names are stable: see docs/verify.md).
struct CheckResult {
    std::string name;                      ///< e.g. "wal_receiver"
    CheckStatus status = CheckStatus::Ok;  ///< outcome
    std::string message;                   ///< what was found, one line
    std::string hint;                      ///< what to do about it (may be empty)
};

/// Where a lag in seconds comes from.
enum class LagSource {
    None,         ///< unknown (see the note)
    Replication,  ///< the upstream's pg_stat_replication.replay_lag
    CaughtUp,     ///< nothing left to replay: zero
};

/// A standby's lag behind the live primary.
struct LagFigures {
    std::optional<std::int64_t> bytes;  ///< primary's WAL position minus this replay position
    std::optional<double> seconds;      ///< replay lag in seconds
    LagSource seconds_source = LagSource::None;  ///< where `seconds` comes from
    std::optional<double> replay_age_seconds;    ///< time since the last replayed commit
    std::string note;  ///< what the figures mean when they could mislead (idle primary...)
};

/// The replication slot a standby should use on its upstream.
struct SlotFigures {
    std::string name;                            ///< slot_name_for(standby)
    bool exists = false;                         ///< found on the upstream
    bool active = false;                         ///< a walsender uses it
    std::string restart_lsn;                     ///< oldest WAL it retains
    std::optional<std::int64_t> retained_bytes;  ///< upstream's position minus restart_lsn
    /// pg_replication_slots.wal_status (13+; empty before): reserved, extended, unreserved or lost
    std::string wal_status;
};

/// Everything verify says about one host.
struct HostReport {
    HostState gathered;                          ///< what was gathered (host pointer included)
    TopologyNode node;                           ///< its place in the live topology
    std::string state;                           ///< one word for the table: streaming, down...
    std::optional<std::string> upstream;         ///< name of its (live or expected) upstream
    std::optional<ReplicationRow> sender;        ///< the upstream's pg_stat_replication row for it
    std::optional<bool> walsender_process;       ///< ps on the upstream shows that walsender
    std::optional<SlotFigures> slot;             ///< its slot on the upstream (when slots are used)
    LagFigures lag;                              ///< lag behind the primary (standbys)
    ProbeResult probe;                           ///< the end-to-end probe
    std::vector<std::string> settings_problems;  ///< managed settings not in effect
    std::vector<CheckResult> checks;             ///< in a fixed order

    /// The inventory host.
    const Host& host() const { return *gathered.host; }
    /// True when no check failed.
    bool healthy() const;
    /// The check with this name, or nullptr.
    const CheckResult* check(const std::string& name) const;
};

/// A failed or warning check, for the list printed under the table.
struct Problem {
    std::string host;                          ///< host name
    std::string check;                         ///< check name
    CheckStatus status = CheckStatus::Failed;  ///< Failed or Warning
    std::string message;                       ///< the check's message
    std::string hint;                          ///< what to do
};

/// The whole verdict.
struct VerifyReport {
    std::string cluster;                       ///< the inventory's cluster label
    VerifyThresholds thresholds;               ///< the thresholds applied
    std::string system_identifier;             ///< the cluster's system identifier
    std::optional<std::string> primary;        ///< the live primary's name
    std::vector<std::string> primaries;        ///< every live primary (two or more: split brain)
    std::vector<std::string> notes;            ///< how the live topology differs from the inventory
    std::optional<std::string> probe_primary;  ///< where the probe record was emitted
    std::optional<ProbeEmission> probe_emission;    ///< the emitted record
    std::string probe_error;                        ///< why the probe did not run, when it did not
    std::vector<HostReport> hosts;                  ///< in inventory order
    std::optional<ArchiveTestResult> archive_test;  ///< `--archive` (also a check of the primary)

    /// True when every host is healthy.
    bool healthy() const;
    /// True when two live primaries of the cluster were found.
    bool split_brain() const { return primaries.size() > 1; }
    /// True when the live topology differs from the inventory.
    bool inventory_differs() const { return !notes.empty(); }
    /// Every Failed then every Warning check, host by host.
    std::vector<Problem> problems() const;
};

/// A byte count for people: "0 B", "512 B", "1.5 KiB", "16.0 MiB", "2.3 GiB" (negative: "-").
std::string format_bytes(std::int64_t bytes);
/// A duration for people: "0.0 s", "12.3 s", "5m03s", "2h05m".
std::string format_seconds(double seconds);

/// "ok", "warning", "failed" or "skipped".
const char* to_string(CheckStatus status);
/// "pg_stat_replication", "caught_up" or "none".
const char* to_string(LagSource source);

/// verify's verdict as the exit code (docs/verify.md): Ok when healthy (no check failed), Failed
/// when a check failed or a host could not be reached. A verdict, not an error: the errors that
/// end verify before a report exists (usage, inventory) go through exit_code_for().
ExitCode verdict_exit_code(const VerifyReport& report);

}  // namespace pgrepl
