// Helpers for the end-to-end tests of runs that were interrupted or hit a fault (killed pgrepl,
// a full disk, a cut link, a dropped SSH session): watch a run, look at a replica's data
// directory, and prove that a plain re-run converges.
#pragma once

#include <memory>
#include <string>

#include "setup_support.hpp"

namespace pgrepl::e2e {

/// The lab's data directory of cluster 15/main.
inline constexpr const char* kDataDir = "/var/lib/postgresql/15/main";
/// pgrepl's marker of a clone in progress for cluster 15/main.
inline constexpr const char* kMarker = "/etc/postgresql/15/main/pgrepl.cloning";

/// What a replica's data directory holds, one word each: "empty", "control" (pg_control is
/// there: the copy finished), "label" (backup_label: never started), "signal" (standby.signal),
/// "running" (a postmaster), "basebackup" (a pg_basebackup process), "marker".
std::string data_dir_state(const std::string& host);

/// Sets up the lab inventory's primary db1 alone and writes about 200 MB into it (table
/// e2e_filler, 500000 rows), so that a replica's copy takes a while.
void primary_with_data(const std::string& inventory);

/// After an interrupted run of the lab's 1+2 inventory: a plain setup converges (exit 0, db2
/// and db3 streaming), verify is healthy, the next setup changes nothing on all three hosts, and
/// no clone marker is left behind.
void expect_rerun_converges(const std::string& inventory);

/// Polls the shell `condition` inside `host` every 20 ms until it holds (true) or 60 s passed.
bool wait_on_host(const std::string& host, const std::string& condition);

/// Starts `pgrepl -v setup INVENTORY` in the background and waits until it logs `line` (the
/// debug line of a remote command: the command is about to run); nullptr (and a test failure)
/// when it never does.
std::unique_ptr<BackgroundProcess> setup_until(const std::string& inventory,
                                               const std::string& line);

/// Kills pgrepl (SIGKILL) and expects it dead by that signal.
void kill_pgrepl(BackgroundProcess& run);

}  // namespace pgrepl::e2e
