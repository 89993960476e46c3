// Role changes of a cluster that Patroni manages (after `pgrepl handoff patroni`): switchover
// and promote go through Patroni's REST API, never behind its back (docs/patroni.md).
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

/// What Patroni is asked to do.
enum class PatroniAction {
    Switchover,  ///< planned: POST /switchover {leader, candidate}
    Failover,    ///< promote: POST /failover {candidate} (also without a leader)
};

/// A role change through Patroni.
struct PatroniRoleChange {
    PatroniAction action = PatroniAction::Switchover;  ///< switchover or failover
    std::string target;                                ///< the member to become the leader
    RunMode mode = RunMode::Apply;                     ///< --check: the plan only
    std::chrono::seconds timeout{60};                  ///< how long to wait for the target to lead
};

/// The script that POSTs `body` (JSON) to `url` with HTTP basic auth as `user`, the password
/// read from standard input (never argv), printing the HTTP status and Patroni's answer; exit 1
/// when the status is not 200.
std::string patroni_post_script(std::string_view url, std::string_view user, std::string_view body);

/// When Patroni manages the target's cluster (its /etc/patroni/V-NAME.yml exists there; asked
/// only when the inventory has a patroni section), runs the role change through Patroni,
/// prints what happened to `out` and returns the exit code: 0 done (or already the leader;
/// --check: would be done), 1 failed or not led by the target in time, 2 the REST API password
/// missing, 3 refused (the target is no running member; a switchover without a leader). nullopt
/// when Patroni does not manage it: the caller runs pgrepl's own role change.
std::optional<ExitCode> change_role_through_patroni(const Inventory& inventory,
                                                    const PatroniRoleChange& change,
                                                    const ExecutorFactory& factory,
                                                    std::ostream& out);

}  // namespace pgrepl
