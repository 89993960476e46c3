// Helpers shared by the step implementations (internal to src/steps/).
#pragma once

#include <string>
#include <string_view>

#include "pgrepl/engine/psql_command.hpp"
#include "pgrepl/engine/step.hpp"

namespace pgrepl::steps {

using pgrepl::run_checked;  // engine/step.hpp

/// Whether a command's input holds a secret (never logged).
enum class Secrecy { Public, Secret };

/// Runs SQL through psql as the postgres user, the SQL on stdin (never argv).
/// `secrecy` marks the SQL as secret (it holds the password): it is never logged.
Result<CommandResult> run_sql(const StepContext& context, std::string_view step, std::string sql,
                              Mutation mutation, std::string purpose,
                              Secrecy secrecy = Secrecy::Public);

/// `pg_ctlcluster V NAME <action>` (start, stop, restart, reload); `mode` adds `-m fast` etc.
Status pg_ctlcluster(const StepContext& context, std::string_view step, std::string_view action);

/// Reloads the configuration and waits (up to 10 s) until the server has re-read it.
Status reload_and_wait(const StepContext& context, std::string_view step);

/// The shell words "V NAME" for pg_ctlcluster and friends, quoted.
std::string cluster_words(const Host& host);

/// The data directory: from pg_lsclusters when known, else the Debian default.
std::string data_directory(const StepContext& context);

/// What a login check connects for.
enum class LoginKind { Replication, Database };

/// The conninfo of pgrepl's login checks to `server` as `user` through the passfile:
/// `host= port= user= dbname=replication replication=true` (Replication) or `dbname=postgres`
/// (Database), then `passfile= connect_timeout=5 application_name=pgrepl-check`; values quoted.
std::string login_check_conninfo(const Host& server, std::string_view user,
                                 std::string_view passfile, LoginKind kind);

}  // namespace pgrepl::steps
