// The replication password and Patroni's REST API password: read once from the inventory's source,
// never logged.
#pragma once

#include <string>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// Reads the password from replication.password_env or replication.password_file. A missing
/// variable, an unreadable file, a file readable by group or others, or an empty password is
/// an Error (kind Usage) whose message names the source, never the value. A trailing newline
/// of the file is dropped.
Result<std::string> load_replication_password(const ReplicationOptions& replication);

/// The same for the Patroni REST API password (patroni.password_env, default
/// PGREPL_PATRONI_PASSWORD, or patroni.password_file).
Result<std::string> load_patroni_password(const PatroniOptions& patroni);

}  // namespace pgrepl
