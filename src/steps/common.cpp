#include "common.hpp"

#include <fmt/format.h>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/quote.hpp"

namespace pgrepl::steps {

Result<CommandResult> run_sql(const StepContext& context, std::string_view step, std::string sql,
                              Mutation mutation, std::string purpose, Secrecy secrecy) {
    Command command;
    PsqlCommand psql;
    psql.quiet = PsqlQuiet::Yes;
    command.script = psql_command(context.host, psql) + " -f -";
    command.stdin_data = std::move(sql);
    command.secret_stdin = secrecy == Secrecy::Secret;
    command.mutation = mutation;
    command.run_as = RunAs::Postgres;
    command.purpose = std::move(purpose);
    return run_checked(context, step, std::move(command));
}

std::string cluster_words(const Host& host) {
    return shell_quote(host.postgres.version.to_string()) + " " +
           shell_quote(host.postgres.cluster_name);
}

namespace {

// `pg_ctlcluster V C start`, returning once the server accepts connections. postgresql-common's
// start, after pg_ctl has waited for the server, probes it three times 0.5 s apart before it
// returns (about 2 s on a server that is ready at once); it is left to finish in its own
// session while this waits only for pg_isready, or for pg_ctlcluster's own verdict when it
// ends first (a failed start: its exit status; a standby not accepting connections yet: 0).
// A server that answers on the port before the start is another one: the plain start reports.
std::string start_script(const Host& host) {
    return fmt::format(
        R"SH(ready() {{ /usr/lib/postgresql/{1}/bin/pg_isready -q -h /var/run/postgresql -p {2}; }}
# Something already answers on the port: pg_ctlcluster's own error (a port conflict) says what.
if ready; then exec pg_ctlcluster {0} start; fi
trap '' HUP PIPE
setsid pg_ctlcluster {0} start </dev/null >/dev/null 2>&1 &
pid=$!
until ready; do
  case "$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -c1)" in
    ''|Z) wait $pid; rc=$?; [ $rc -eq 0 ] && exit 0
          echo "pg_ctlcluster {0} start failed (exit $rc)" >&2; exit $rc ;;
  esac
  sleep 0.05
done)SH",
        cluster_words(host), shell_quote(host.postgres.version.to_string()), host.postgres.port);
}

}  // namespace

Status pg_ctlcluster(const StepContext& context, std::string_view step, std::string_view action) {
    Command command;
    command.script = action == "start"
                         ? start_script(context.host)
                         : fmt::format("pg_ctlcluster {} {}", cluster_words(context.host), action);
    command.mutation = Mutation::Mutating;
    command.purpose = fmt::format("pg_ctlcluster {}", action);
    auto result = run_checked(context, step, std::move(command));
    if (!result) {
        auto error = result.error();
        auto tail = server_log_tail(context.executor, context.host, 5);
        if (!tail.empty()) error.hint = "last lines of " + context.paths.log_file + ":\n" + tail;
        return error;
    }
    return ok_status();
}

Status reload_and_wait(const StepContext& context, std::string_view step) {
    Command command;
    command.script = fmt::format(
        R"SH(q() {{ {0} -c 'SELECT pg_conf_load_time()' 2>/dev/null; }}
before=$(q)
pg_ctlcluster {1} reload || exit 1
i=0
while [ $i -lt 100 ]; do
  [ "$(q)" != "$before" ] && exit 0
  sleep 0.1; i=$((i+1))
done
echo "configuration not reloaded after 10 s" >&2; exit 1)SH",
        psql_command(context.host, runuser_psql()), cluster_words(context.host));
    command.mutation = Mutation::Mutating;
    command.purpose = "reload configuration";
    auto result = run_checked(context, step, std::move(command));
    if (!result) return result.error();
    return ok_status();
}

std::string data_directory(const StepContext& context) {
    const auto& known = context.snapshot.facts.data_directory;
    return known.empty() ? context.paths.data_dir : known;
}

std::string login_check_conninfo(const Host& server, std::string_view user,
                                 std::string_view passfile, LoginKind kind) {
    return fmt::format(
        "host={} port={} user={} {} passfile={} connect_timeout=5 application_name=pgrepl-check",
        conninfo_value(server.address), server.postgres.port, conninfo_value(user),
        kind == LoginKind::Replication ? "dbname=replication replication=true" : "dbname=postgres",
        conninfo_value(passfile));
}

}  // namespace pgrepl::steps
