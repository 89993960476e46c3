// Is a host up at all? A TCP connect to its SSH endpoint with a short deadline: a live host's
// kernel answers a SYN at once (even when sshd or the machine is overloaded), so silence within
// a second on a LAN means the host is down or cut off. Used by promote to decide quickly that a
// dead primary is dead, without waiting for the full SSH connect timeout; promote also probes
// the PostgreSQL port of a host whose SSH port is silent.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// What the TCP connect found.
enum class Reach {
    Open,     ///< the port accepted the connection: the host is up
    Refused,  ///< the host answered with a reset: it is up, but nothing listens on the port
    Silent,   ///< no answer within the deadline (or host/network unreachable): down or cut off
    Unknown,  ///< not probed: the connection goes through a ProxyCommand/ProxyJump, or the
              ///< address could not be resolved
};

/// The outcome of a reachability probe.
struct ReachResult {
    Reach reach = Reach::Unknown;       ///< what was found
    std::string endpoint;               ///< "address:port" that was probed (after ~/.ssh/config)
    std::string detail;                 ///< one line for messages, e.g. "no answer within 1.0 s"
    std::chrono::milliseconds took{0};  ///< how long the probe took
};

/// A probe function (injectable for tests).
using ReachProbe = std::function<ReachResult(const Host&)>;

/// Probes the host's SSH endpoint: the inventory address (or the HostName that ~/.ssh/config
/// gives it) and ssh.port, every resolved address in turn, all within `timeout`. Opens no SSH
/// session and sends nothing but the TCP handshake (the connection is closed at once).
ReachResult probe_reach(const Host& host, std::chrono::milliseconds timeout);

/// Probes the host's PostgreSQL port the same way: the inventory address (as the standbys'
/// primary_conninfo names it) and postgres.port. A server that accepts TCP connections may be
/// a live primary even when its SSH port is silent. PostgreSQL 12+ does not log a connection
/// that closes before sending anything (unless log_connections is on).
ReachResult probe_postgres_reach(const Host& host, std::chrono::milliseconds timeout);

/// "open", "refused", "silent" or "unknown".
const char* to_string(Reach reach);

}  // namespace pgrepl
