// Helpers for the setup, verify and promote end-to-end tests: a bare lab, inventories, SQL.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lab.hpp"

namespace pgrepl::e2e {

/// Brings every lab host back to bare (no cluster, no PostgreSQL process, sshd running) with
/// `scripts/lab reset`; fails the test when it cannot.
void reset_lab();

/// Writes an inventory for the lab's hosts into `dir` and returns its path. `extra_top` is
/// inserted at the top level (e.g. "postgres:\n  port: 5433\n"), `host_extra` maps a host
/// name to lines added under its entry (e.g. {"db3", "    upstream: db2\n"}).
std::string write_inventory(const TempDir& dir, const std::string& ssh_user = "root",
                            const std::string& postgres_block = "postgres:\n  version: 15\n",
                            const std::map<std::string, std::string>& host_extra = {});

/// Rewrites the inventory at `path` so that the hosts named in `names` have that address (a host
/// name the lab resolves, e.g. {"db1", "db1.lab"}: see docs/lab.md) instead of their IP.
void address_by_name(const std::string& path, const std::map<std::string, std::string>& names);

/// Runs SQL as postgres on a lab host through psql (port and cluster given) and returns the
/// trimmed unaligned output; `ok` tells whether psql succeeded.
struct SqlResult {
    bool ok = false;  ///< psql exited 0
    std::string out;  ///< trimmed stdout
    std::string err;  ///< stderr
};
/// Runs `sql` with psql -X -At on the host's cluster.
SqlResult host_sql(const std::string& host, const std::string& sql, int port = 5432,
                   const std::string& cluster = "15/main");

/// Polls `sql` on `host` until its output equals `expected` or `seconds` pass; returns the last
/// output.
std::string wait_for_sql(const std::string& host, const std::string& sql,
                         const std::string& expected, int seconds = 15, int port = 5432);

/// The recap's `changed=` counts by host from setup's stdout.
std::map<std::string, int> recap_changed(const std::string& setup_stdout);

/// The archive directory of the lab's archive inventories.
inline constexpr const char* kLabArchiveDir = "/var/lib/postgresql/wal-archive";

/// An inventory of the lab archiving to db3 (method ssh, kLabArchiveDir); `replication_extra`
/// and `postgres_extra` are added under their sections; pgrepl (and so the archive command)
/// reaches db3 on `db3_ssh_port`. Hosts db1 (primary) to db`host_count` (replicas).
std::string write_archive_inventory(const TempDir& dir, const std::string& replication_extra = {},
                                    const std::string& postgres_extra = {},
                                    const std::string& archive_host = "db3", int db3_ssh_port = 22,
                                    int host_count = 3);

}  // namespace pgrepl::e2e
