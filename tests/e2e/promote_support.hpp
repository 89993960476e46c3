// Helpers of the promote end-to-end tests (promote_test.cpp, promote_diverged_test.cpp): a
// healthy 1+2 cluster from a real setup, SQL on a lab host, fingerprints for "nothing changed".
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "lab.hpp"

namespace pgrepl::e2e {

/// The lab hosts the promote tests use.
inline const std::vector<std::string> kHosts{"db1", "db2", "db3"};

/// Runs SQL as postgres on a lab host (on stdin); psql -At output.
ProcessResult psql(const std::string& host, const std::string& sql);

/// One-value query, trimmed ("" when it failed).
std::string query(const std::string& host, const std::string& sql);

/// True when `part` occurs in `text`.
bool contains(const std::string& text, const std::string& part);

/// Stops every cluster and empties PostgreSQL's directories on every host (as the fixture
/// leaves them), starting hosts that were stopped.
void wipe_lab();

/// Waits until `pgrepl verify` exits 0; false after `timeout`.
bool wait_healthy(std::chrono::seconds timeout = std::chrono::seconds(60));

/// A healthy 1+2 cluster with db1 as the primary: kept when it is already there, else the lab
/// is wiped and set up from scratch.
void fresh_cluster();

/// Makes db3 hold WAL that db2 never received: db2's WAL receiver is detached (ALTER SYSTEM
/// primary_conninfo = ''), db1 writes a 5000-row `table`, and db3 is waited for until it has it.
void put_db3_ahead_of_db2(const std::string& table);

/// What a host is, for "nothing changed" comparisons: role, start time, fence files.
std::string host_fingerprint(const std::string& host);

/// Every host's fingerprint and the lab inventory.
std::string cluster_fingerprint();

}  // namespace pgrepl::e2e
