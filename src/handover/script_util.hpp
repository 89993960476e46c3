// What the remote actions of handover/ share (internal to src/handover/): the psql words they
// run, and the one line of a failed command that their errors quote.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/exec/executor.hpp"
#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl::handover_detail {

/// The cluster's own psql on its local socket as the role-changing commands run it
/// (application_name pgrepl-promote, connect timeout 5 s, quiet); append a here-document.
std::string psql_words(const Host& host, PsqlUser user = PsqlUser::Current);

/// The last non-blank line of `text` ("" when none).
std::string last_line(std::string_view text);

/// "exit 3: LAST LINE OF STDERR (or STDOUT)", or "killed by SIGKILL".
std::string first_error(const CommandResult& result);

/// The shell functions running() and put() (an atomic write of a postgres-owned file) and the
/// block that stops a running cluster with a fast shutdown: exit 3 when it still runs
/// afterwards, the frame `@@stopped` when it stopped it. Needs $V, $C and $D. `pg_ctl_timeout`
/// is PGCTLTIMEOUT (0: pg_ctl's default, 60 s).
std::string fast_stop_words(std::chrono::seconds pg_ctl_timeout);

/// The line that writes standby.signal into $D unless it exists (12+; before 12 a recovery.conf
/// of `first_line` and standby_mode = 'on' unless one exists), with put().
std::string standby_signal_words(const Host& host, const std::string& first_line);

/// Runs a mutating admin script built on fast_stop_words(): exit 3 becomes an Error of kind
/// Refused of `step` with `refused_hint`, any other failure one of kind Remote with
/// `failed_hint`.
Result<CommandResult> run_stop_script(Executor& executor, const Host& host, std::string script,
                                      std::string purpose, const std::string& step,
                                      const std::string& refused_hint,
                                      const std::string& failed_hint);

/// True from PostgreSQL 10 (pg_wal names instead of pg_xlog).
bool wal_names(const Host& host);

}  // namespace pgrepl::handover_detail
