// The outcome of `pgrepl verify --archive` (see pgrepl/verify/archive.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pgrepl {

/// Whether `verify --archive` was asked for.
enum class ArchiveTest {
    Skip,           ///< only judge pg_stat_archiver
    SwitchAndWait,  ///< force a segment switch and wait until it is in the archive
};

/// What `verify --archive` found.
struct ArchiveTestResult {
    std::string host;                   ///< the primary it ran on
    bool ok = false;                    ///< the segment reached the archive in time
    std::string segment;                ///< the switched segment's file name
    std::optional<double> seconds;      ///< from the switch to pg_stat_archiver reporting it
    std::optional<std::int64_t> bytes;  ///< its size in the archive (method ssh)
    std::int64_t segment_bytes = 0;     ///< the server's wal_segment_size
    std::string where;                  ///< "db3:/var/lib/postgresql/wal-archive", or the method
    std::string error;                  ///< why it failed
};

}  // namespace pgrepl
