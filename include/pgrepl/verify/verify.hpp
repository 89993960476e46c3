// `pgrepl verify`: prove that replication works end to end. Per host, in parallel, one SSH
// connection: gather the state in one round trip; find the live topology; emit a probe WAL
// record on the live primary and time its replay on every standby; judge; print.
#pragma once

#include <ostream>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/util/exit_code.hpp"
#include "pgrepl/verify/archive_test.hpp"
#include "pgrepl/verify/render.hpp"
#include "pgrepl/verify/report.hpp"

namespace pgrepl {

/// How verify prints its verdict.
enum class VerifyFormat {
    Text,        ///< the table, problems and hints
    Json,        ///< one JSON document
    Prometheus,  ///< the Prometheus text format (node_exporter textfile collector)
    Nagios,      ///< one Nagios plugin status line; the exit code is the plugin's
};

/// Options of `pgrepl verify`.
struct VerifyOptions {
    VerifyThresholds thresholds;               ///< lag thresholds and probe timeout
    VerifyFormat format = VerifyFormat::Text;  ///< --format (--json)
    /// --output: the report goes to this file, written atomically (0644), instead of stdout.
    std::string output;
    Color color = Color::Never;               ///< colors (only on a TTY)
    ArchiveTest archive = ArchiveTest::Skip;  ///< --archive
    /// --reach-timeout: each host's SSH port gets a TCP connect with this short deadline before
    /// its SSH connection (empty: no probe); a silent or refusing host fails at once.
    ReachProbe reach;
};

/// Gathers every host's state (connect and gather per host in parallel), discovers the live
/// topology, runs the probe and assesses. Runs nothing that writes on a standby and changes no
/// user data: the only write is one WAL record (a logical message) on the live primary.
/// With ArchiveTest::SwitchAndWait (--archive) the live primary also switches to a new WAL
/// segment and verify waits until it is in the archive (docs/archiving.md): its result is the
/// report's archive_test and the primary's `archive_test` check. Hosts are connected with
/// `connect` (its reach probe).
VerifyReport collect_verify_report(const Inventory& inventory, const ExecutorFactory& factory,
                                   const VerifyThresholds& thresholds,
                                   ArchiveTest archive = ArchiveTest::Skip,
                                   const ConnectOptions& connect = {});

/// Runs verify and prints the report to `out`, or writes it to options.output atomically.
/// Returns the process exit code: verdict_exit_code() of the report (0 healthy, else 1:
/// unhealthy or unreachable); for VerifyFormat::Nagios nagios_exit_code() (0 OK, 1 WARNING,
/// 2 CRITICAL); 2 when the output file cannot be written (3 for Nagios: UNKNOWN).
int run_verify(const Inventory& inventory, const VerifyOptions& options,
               const ExecutorFactory& factory, std::ostream& out);

}  // namespace pgrepl
