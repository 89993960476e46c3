#include "pgrepl/handover/actions.hpp"

#include <fmt/format.h>

#include "pgrepl/engine/frames.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "script_util.hpp"

namespace pgrepl {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

namespace handover_detail {

std::string psql_words(const Host& host, PsqlUser user) {
    PsqlCommand psql;
    psql.user = user;
    psql.application_name = "pgrepl-promote";
    psql.connect_timeout = 5;
    psql.quiet = PsqlQuiet::Yes;
    return psql_command(host, psql);
}

bool wal_names(const Host& host) {
    return host.postgres.version.number() >= 1000;
}

std::string last_line(std::string_view text) {
    auto end = text.find_last_not_of("\r\n \t");
    if (end == std::string_view::npos) return {};
    auto start = text.find_last_of('\n', end);
    start = start == std::string_view::npos ? 0 : start + 1;
    return std::string(text.substr(start, end - start + 1));
}

std::string first_error(const CommandResult& result) {
    auto line = last_line(result.err);
    if (line.empty()) line = last_line(result.out);
    if (result.signal) return fmt::format("killed by SIG{}", *result.signal);
    return fmt::format("exit {}{}{}", result.exit_status, line.empty() ? "" : ": ", line);
}

std::string fast_stop_words(std::chrono::seconds pg_ctl_timeout) {
    const std::string env =
        pg_ctl_timeout.count() > 0 ? fmt::format("PGCTLTIMEOUT={} ", pg_ctl_timeout.count()) : "";
    const std::string after =
        pg_ctl_timeout.count() > 0 ? fmt::format(" {} s", pg_ctl_timeout.count()) : "";
    return fmt::format(
        R"SH(running() {{ [ -f "$D/postmaster.pid" ] && kill -0 "$(head -n 1 "$D/postmaster.pid")" 2>/dev/null; }}
put() {{ f=$1; m=$2; shift 2; t="$f.pgrepl-tmp"; "$@" > "$t" && chown postgres:postgres "$t" && chmod "$m" "$t" && mv -f "$t" "$f"; }}
if running; then
  {env}pg_ctlcluster "$V" "$C" stop -m fast >&2
  if running; then echo "PostgreSQL still runs{after} after pg_ctlcluster $V $C stop -m fast" >&2; exit 3; fi
  echo @@stopped
fi
)SH",
        fmt::arg("env", env), fmt::arg("after", after));
}

Result<CommandResult> run_stop_script(Executor& executor, const Host& host, std::string script,
                                      std::string purpose, const std::string& step,
                                      const std::string& refused_hint,
                                      const std::string& failed_hint) {
    Command command;
    command.script = std::move(script);
    command.mutation = Mutation::Mutating;
    command.purpose = std::move(purpose);
    auto result = executor.run(command);
    if (!result) return result.error();
    if (result->exit_status == 3) {
        return make_host_error(ErrorKind::Refused, host.name, step, first_error(*result),
                               refused_hint);
    }
    if (!result->success()) {
        return make_host_error(ErrorKind::Remote, host.name, step, first_error(*result),
                               failed_hint);
    }
    return result;
}

std::string standby_signal_words(const Host& host, const std::string& first_line) {
    if (host.postgres.version.number() >= 1200)
        return "[ -f \"$D/standby.signal\" ] || put \"$D/standby.signal\" 0600 true || exit 1\n";
    return fmt::format(
        "[ -f \"$D/recovery.conf\" ] || put \"$D/recovery.conf\" 0600 printf '%s\\n' {} "
        "\"standby_mode = 'on'\" || exit 1\n",
        shell_quote(first_line));
}

}  // namespace handover_detail

using namespace handover_detail;

std::string fence_script(const Host& host, const FenceInput& input) {
    const ClusterPaths paths = cluster_paths(host);
    const std::string version = host.postgres.version.to_string();
    const std::string marker = fmt::format(
        "at {}, {} was promoted in its place; this cluster must not run as a primary again",
        input.when, input.new_primary);
    const std::string start_conf = fmt::format(
        "# pgrepl promote fenced this cluster at {} ({} was promoted in its place):\n"
        "# pg_ctlcluster refuses to start it. See pgrepl.fenced next to this file.\n"
        "disabled\n",
        input.when, input.new_primary);
    const std::string signal = standby_signal_words(
        host, "# written by pgrepl promote (fence): start as a standby, never as a primary");
    return fmt::format(
        R"SH(V={v}; C={c}; D={d}; CONF={conf}
{stop}was=$(grep -v '^[[:space:]]*#' "$CONF/start.conf" 2>/dev/null | tr -d '[:space:]')
[ -n "$was" ] && [ "$was" != disabled ] || was=auto
put "$CONF/pgrepl.fenced" 0644 printf '%s\nstart.conf was: %s\n' {marker} "$was" || exit 1
put "$CONF/start.conf" 0644 printf '%s' {start_conf} || exit 1
{signal}echo "@@checkpoint $(runuser -u postgres -- "/usr/lib/postgresql/$V/bin/pg_controldata" "$D" | sed -n 's/^Latest checkpoint location: *//p')"
)SH",
        fmt::arg("v", shell_quote(version)), fmt::arg("c", shell_quote(host.postgres.cluster_name)),
        fmt::arg("d", shell_quote(input.data_directory)),
        fmt::arg("conf", shell_quote(paths.conf_dir)), fmt::arg("marker", shell_quote(marker)),
        fmt::arg("start_conf", shell_quote(start_conf)), fmt::arg("signal", signal),
        fmt::arg("stop", fast_stop_words(std::chrono::seconds(0))));
}

FenceResult parse_fence_output(std::string_view out) {
    FenceResult result;
    auto frames = read_frames(out);
    if (!frames) return result;
    for (const Frame& frame : *frames) {
        if (frame.name == "stopped") result.stopped = true;
        if (frame.name == "checkpoint") result.checkpoint = parse_lsn(frame.args);
    }
    return result;
}

Result<FenceResult> run_fence(Executor& executor, const Host& host, const FenceInput& input) {
    auto result = run_stop_script(executor, host, fence_script(host, input),
                                  "stop and fence the old primary", "fence",
                                  "stop PostgreSQL on it by hand (or make sure the host is down), "
                                  "then run promote again",
                                  "look at the host; it may be stopped but not fenced");
    if (!result) return result.error();
    return parse_fence_output(result->out);
}

std::string promote_script(const Host& host, std::chrono::seconds timeout) {
    const bool new_style = host.postgres.version.number() >= 1200;
    const char* walfile = wal_names(host) ? "pg_walfile_name" : "pg_xlogfile_name";
    const char* current = wal_names(host) ? "pg_current_wal_lsn()" : "pg_current_xlog_location()";
    std::string trigger = new_style ? std::string()
                                    : fmt::format("pg_ctlcluster {} {} promote >&2 || exit 1\n",
                                                  shell_quote(host.postgres.version.to_string()),
                                                  shell_quote(host.postgres.cluster_name));
    return fmt::format(
        R"SH({trigger}{psql} <<'PGREPL_SQL_END'
{promote}DO $$ BEGIN
  FOR i IN 1..{polls} LOOP
    IF NOT pg_is_in_recovery() THEN RETURN; END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
  RAISE EXCEPTION 'still in recovery after {seconds} s';
END $$;
SELECT current_setting('transaction_read_only'), txid_current(), (('x' || substr({walfile}({current}), 1, 8))::bit(32)::int);
PGREPL_SQL_END
)SH",
        fmt::arg("trigger", trigger), fmt::arg("psql", psql_words(host, PsqlUser::Runuser)),
        fmt::arg("promote", new_style ? "SELECT pg_promote(false);\n" : ""),
        fmt::arg("polls", timeout.count() * 100), fmt::arg("seconds", timeout.count()),
        fmt::arg("walfile", walfile), fmt::arg("current", current));
}

Result<PromoteResult> parse_promote_output(std::string_view out) {
    const auto fields = parse_psql_rows(last_line(out));
    if (fields.size() != 1 || fields[0].size() != 3) {
        return make_error(ErrorKind::Remote,
                          fmt::format("unexpected output of the promotion: '{}'", last_line(out)));
    }
    const auto& row = fields[0];
    if (row[0] != "off") {
        return make_error(ErrorKind::Remote, "promoted, but transaction_read_only is " + row[0] +
                                                 " (default_transaction_read_only set?)");
    }
    PromoteResult result;
    if (auto tli = parse_int(row[2])) result.timeline = static_cast<int>(*tli);
    return result;
}

Result<PromoteResult> run_promote_script(Executor& executor, const Host& host,
                                         std::chrono::seconds timeout) {
    Command command;
    command.script = promote_script(host, timeout);
    command.mutation = Mutation::Mutating;
    command.purpose = "promote and wait until it accepts writes";
    const auto start = Clock::now();
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        return make_host_error(ErrorKind::Remote, host.name, "promote", first_error(*result));
    }
    auto parsed = parse_promote_output(result->out);
    if (!parsed) {
        auto error = parsed.error();
        error.host = host.name;
        error.step = "promote";
        return error;
    }
    parsed->duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return parsed;
}

std::string catch_up_script(const Host& host, std::uint64_t lsn, std::chrono::seconds timeout,
                            CatchUpRule rule) {
    const char* receive =
        wal_names(host) ? "pg_last_wal_receive_lsn()" : "pg_last_xlog_receive_location()";
    const char* replay =
        wal_names(host) ? "pg_last_wal_replay_lsn()" : "pg_last_xlog_replay_location()";
    const std::string at = "'" + format_lsn(lsn) + "'::pg_lsn";
    const std::string reached =
        rule == CatchUpRule::ReceivedOrReplayed
            ? fmt::format("coalesce({0} >= {2}, false) OR coalesce({1} >= {2}, false)", receive,
                          replay, at)
            : fmt::format("coalesce({0} > {2} AND {1} > {2}, false)", receive, replay, at);
    return fmt::format(
        R"SH({psql} <<'PGREPL_SQL_END'
DO $$ BEGIN
  FOR i IN 1..{polls} LOOP
    IF {reached} THEN RETURN; END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
END $$;
SELECT coalesce({receive}::text, ''), coalesce({replay}::text, ''), 'end';
DO $$ BEGIN
  IF NOT ({reached}) THEN RAISE EXCEPTION 'WAL up to {lsn} not held after {seconds} s'; END IF;
END $$;
PGREPL_SQL_END
)SH",
        fmt::arg("psql", psql_words(host)), fmt::arg("polls", timeout.count() * 100),
        fmt::arg("reached", reached), fmt::arg("receive", receive), fmt::arg("replay", replay),
        fmt::arg("lsn", format_lsn(lsn)), fmt::arg("seconds", timeout.count()));
}

Result<bool> run_catch_up(Executor& executor, const Host& host, std::uint64_t lsn,
                          std::chrono::seconds timeout) {
    Command command;
    command.script = catch_up_script(host, lsn, timeout);
    command.run_as = RunAs::Postgres;
    command.purpose = "wait until the old primary's last WAL is received";
    auto result = executor.run(command);
    if (!result) return result.error();
    return result->success();
}

std::string follow_script(const Host& host, int timeline, std::chrono::seconds timeout) {
    return fmt::format(
        R"SH({psql} <<'PGREPL_SQL_END'
DO $$ BEGIN
  FOR i IN 1..{polls} LOOP
    IF EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming' AND received_tli >= {tli}) THEN RETURN; END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), ''), coalesce((SELECT received_tli::text FROM pg_stat_wal_receiver), ''), 'end';
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming' AND received_tli >= {tli}) THEN
    RAISE EXCEPTION 'not streaming on timeline {tli}';
  END IF;
END $$;
PGREPL_SQL_END
)SH",
        fmt::arg("psql", psql_words(host)), fmt::arg("polls", timeout.count() * 20),
        fmt::arg("tli", timeline));
}

FollowResult parse_follow_output(std::string_view out, bool success) {
    FollowResult result;
    result.following = success;
    for (const auto& row : parse_psql_rows(out)) {
        if (row.size() != 3 || row[2] != "end") continue;
        result.status = row[0];
        if (auto tli = parse_int(row[1])) result.timeline = static_cast<int>(*tli);
    }
    return result;
}

Result<FollowResult> run_follow_check(Executor& executor, const Host& host, int timeline,
                                      std::chrono::seconds timeout) {
    Command command;
    command.script = follow_script(host, timeline, timeout);
    command.run_as = RunAs::Postgres;
    command.purpose = "wait until it streams from the new primary";
    auto result = executor.run(command);
    if (!result) return result.error();
    return parse_follow_output(result->out, result->success());
}

}  // namespace pgrepl
