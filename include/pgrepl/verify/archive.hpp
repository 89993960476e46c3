// WAL archiving in `pgrepl verify`: the primary's pg_stat_archiver judged, and `--archive`:
// force a segment switch on the primary and time its arrival in the archive.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/pg/archive.hpp"
#include "pgrepl/verify/archive_test.hpp"
#include "pgrepl/verify/report.hpp"

namespace pgrepl {

/// The primary's `archive` check from pg_stat_archiver: failed when the last attempt failed
/// (with the failure count and segment), ok otherwise (count, last segment and its age).
/// Skipped when the inventory does not archive or the state has no archiver row.
CheckResult archiver_check(const Inventory& inventory, const HostState& state);

/// Runs `--archive` on the live primary: emits a WAL record and switches segments
/// (pg_switch_wal), waits up to `timeout` until pg_stat_archiver reports that segment archived,
/// then, for method ssh, checks through `archive_host` (an executor on the archive host, may be
/// nullptr when unreachable) that the file is in the archive directory with the segment's size.
ArchiveTestResult run_archive_test(Executor& primary, const Host& primary_host,
                                   const Inventory& inventory, Executor* archive_host,
                                   std::chrono::milliseconds timeout);

/// The `archive_test` check of the primary from a result.
CheckResult archive_test_check(const ArchiveTestResult& result);

/// One line for verify's text output: "archive: 000000010000000000000007 reached
/// db3:/var/lib/postgresql/wal-archive in 0.4 s (16.0 MiB)" or the failure.
std::string archive_test_line(const ArchiveTestResult& result);

}  // namespace pgrepl
