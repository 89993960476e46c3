// Turning what the server log says into a short hint for the user.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgrepl {

/// The most telling line of a log tail: the newest FATAL, PANIC or ERROR line or LOG line known
/// to explain a broken stream (a timeline fork, removed WAL), else the last non-empty line; ""
/// for an empty tail. Lines longer than 300 characters are cut with "...".
std::string telling_log_line(const std::vector<std::string>& tail);

/// The last non-empty line of a log tail ("" for none), cut like telling_log_line().
std::string last_log_line(const std::vector<std::string>& tail);

/// What a hint about a standby that does not stream may mention.
struct ReceiverHintContext {
    std::string standby;           ///< standby host name
    std::string standby_address;   ///< its inventory address
    std::string upstream;          ///< upstream host name ("" when unknown)
    std::string upstream_address;  ///< its address
    int upstream_port = 5432;      ///< its PostgreSQL port
    std::string log_file;          ///< the standby's server log
};

/// A hint for a standby whose WAL receiver does not stream, from its log line: a missing
/// pg_hba entry ("check pg_hba on db1 for 10.0.0.13"), a failed password, a refused or timed out
/// connection, a missing slot, removed WAL, a diverged timeline, another system, too few WAL
/// senders; else a pointer to the log file.
std::string receiver_hint(std::string_view log_line, const ReceiverHintContext& context);

}  // namespace pgrepl
