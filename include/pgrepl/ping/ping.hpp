// `pgrepl ping`: reach every host and say what it is, one line each.
#pragma once

#include <ostream>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// Connects to every host in parallel, probes it (SSH, sudo, OS, PostgreSQL installed and
/// running, live role) and prints one line per host to `out`. Problems are logged with a hint.
/// Returns ExitCode::Ok when every host answered, else ExitCode::Failed.
ExitCode run_ping(const Inventory& inventory, const ExecutorFactory& factory, std::ostream& out);

}  // namespace pgrepl
