// The scripts that ask etcd and Patroni about the whole cluster (internal to src/handoff/).
#pragma once

#include <string>
#include <string_view>

#include "pgrepl/handoff/handoff.hpp"

namespace pgrepl::handoff {

/// Waits (up to 30 s) until every etcd member answers `endpoint health`, then prints
/// `member list` (read-only).
std::string etcd_health_script(const Inventory& inventory);

/// Writes /pgrepl/SCOPE/handoff through the v3 API and reads it back (fails when it differs).
std::string etcd_write_script(const Inventory& inventory);

/// `patronictl -c CONFIG list -f json` for the host's cluster.
std::string patronictl_list_script(const Host& host);

/// How many lines of `etcdctl member list` say "started".
int started_members(std::string_view member_list);

}  // namespace pgrepl::handoff
