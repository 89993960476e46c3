// `pgrepl ping`: reach every host and say what it is, one line each.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// How far ping got with one host.
enum class PingState {
    Ok,           ///< connected and probed
    Unreachable,  ///< the connection failed
    Error,        ///< connected, but the probe failed
};

/// What ping learned about one host.
struct PingHost {
    std::string name;                 ///< inventory host name
    std::string target;               ///< user@address:port
    PingState state = PingState::Ok;  ///< how far it got
    std::string kind;                 ///< the error kind's word when not Ok
    std::string who;                  ///< "as root", "sudo ok (as root)"
    std::string os;                   ///< the host's PRETTY_NAME
    std::string cluster;              ///< "postgresql-15 installed, 15/main running on ..."
    std::optional<Error> problem;     ///< what went wrong (logged with its hint)
};

/// What a ping run found: one entry per inventory host, in file order, and the exit code.
struct PingReport {
    std::vector<PingHost> hosts;        ///< in inventory order
    ExitCode exit_code = ExitCode::Ok;  ///< ping_exit_code() of the hosts
};

/// The exit code of a ping run: Ok when every host answered and was probed, else
/// exit_code_for() the error kind of the first host that was not (Failed for every kind ping
/// meets: connect, host key, auth, sudo, remote).
ExitCode ping_exit_code(const std::vector<PingHost>& hosts);

/// The text of a ping report: one line per host, names padded to one width (pure).
std::string render_ping_text(const PingReport& report);

/// Connects to every host in parallel and probes it (SSH, sudo, OS, PostgreSQL installed and
/// running, live role); prints the report's text to `out` and logs each problem with its hint.
PingReport run_ping(const Inventory& inventory, const ExecutorFactory& factory, std::ostream& out);

}  // namespace pgrepl
