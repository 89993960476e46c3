#include "pgrepl/handover/demote.hpp"

#include <fmt/format.h>

#include "pgrepl/engine/frames.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/handover/actions.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/util/text.hpp"
#include "script_util.hpp"

namespace pgrepl {
namespace {

using namespace handover_detail;

constexpr std::string_view kRecoveryConfMark = "# written by pgrepl switchover";

// The shell variables every script here starts with.
std::string cluster_words(const Host& host, const std::string& data_directory) {
    return fmt::format("V={}; C={}; D={}; M={}", shell_quote(host.postgres.version.to_string()),
                       shell_quote(host.postgres.cluster_name), shell_quote(data_directory),
                       shell_quote(cluster_paths(host).switchover_marker));
}

}  // namespace

std::string switchover_marker_line(const std::string& target) {
    return "stopped by pgrepl switchover for a switchover to " + target + "; a standby from now on";
}

Status run_checkpoint(Executor& executor, const Host& host) {
    Command command;
    command.script = psql_words(host) + " -v ON_ERROR_STOP=1 -c CHECKPOINT";
    command.run_as = RunAs::Postgres;
    command.mutation = Mutation::Mutating;
    command.purpose = "CHECKPOINT before the stop";
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        return make_host_error(ErrorKind::Remote, host.name, "checkpoint", first_error(*result),
                               "nothing was changed; look at the server, then switch over again");
    }
    return ok_status();
}

std::string demote_script(const Host& host, const DemoteInput& input) {
    const std::string signal = standby_signal_words(
        host, fmt::format("{}: stopped for a switchover to {}; a standby from now on",
                          kRecoveryConfMark, input.target));
    return fmt::format(
        R"SH({vars}
{stop}{signal}[ -f "$M" ] || put "$M" 0644 printf '%s\n' {marker} || exit 1
control=$(runuser -u postgres -- env LC_ALL=C "/usr/lib/postgresql/$V/bin/pg_controldata" "$D") || exit 1
echo "@@state $(printf '%s\n' "$control" | sed -n 's/^Database cluster state: *//p')"
echo "@@checkpoint $(printf '%s\n' "$control" | sed -n 's/^Latest checkpoint location: *//p')"
)SH",
        fmt::arg("vars", cluster_words(host, input.data_directory)),
        fmt::arg("stop", fast_stop_words(input.stop_timeout)), fmt::arg("signal", signal),
        fmt::arg("marker", shell_quote(switchover_marker_line(input.target))));
}

DemoteResult parse_demote_output(std::string_view out) {
    DemoteResult result;
    auto frames = read_frames(out);
    if (!frames) return result;
    for (const Frame& frame : *frames) {
        if (frame.name == "stopped") result.stopped = true;
        if (frame.name == "state") result.control_state = frame.args;
        if (frame.name == "checkpoint") result.checkpoint = parse_lsn(frame.args);
    }
    return result;
}

Result<DemoteResult> run_demote(Executor& executor, const Host& host, const DemoteInput& input) {
    auto result = run_stop_script(executor, host, demote_script(host, input),
                                  "stop the primary for the switchover", "stop",
                                  "it may still be shutting down: look at its server log",
                                  "look at the host: the server may be stopped");
    if (!result) return result.error();
    return parse_demote_output(result->out);
}

std::string undemote_script(const Host& host, const std::string& data_directory) {
    std::string signal;
    if (host.postgres.version.number() >= 1200) {
        signal = "rm -f \"$D/standby.signal\" \"$M\" || exit 1\n";
    } else {
        signal = fmt::format(
            "case $(head -n 1 \"$D/recovery.conf\" 2>/dev/null) in {}*) rm -f "
            "\"$D/recovery.conf\" || exit 1;; esac\nrm -f \"$M\" || exit 1\n",
            shell_quote(kRecoveryConfMark));
    }
    return fmt::format(
        R"SH({vars}
{signal}pg_ctlcluster "$V" "$C" start >&2 || exit 1
{psql} -c 'SELECT pg_is_in_recovery()'
)SH",
        fmt::arg("vars", cluster_words(host, data_directory)), fmt::arg("signal", signal),
        fmt::arg("psql", psql_words(host, PsqlUser::Runuser)));
}

Status run_undemote(Executor& executor, const Host& host, const std::string& data_directory) {
    Command command;
    command.script = undemote_script(host, data_directory);
    command.mutation = Mutation::Mutating;
    command.purpose = "start the old primary again as the primary";
    auto result = executor.run(command);
    if (!result) return result.error();
    const std::string hint = fmt::format(
        "start it by hand: remove standby.signal from its data directory, then pg_ctlcluster {} "
        "{} start",
        host.postgres.version.to_string(), host.postgres.cluster_name);
    if (!result->success())
        return make_host_error(ErrorKind::Remote, host.name, "restart", first_error(*result), hint);
    if (last_line(result->out) != "f") {
        return make_host_error(
            ErrorKind::Remote, host.name, "restart",
            "it started, but not as a primary (pg_is_in_recovery: " + last_line(result->out) + ")",
            hint);
    }
    return ok_status();
}

HeldPositions parse_hold_wait_output(std::string_view out) {
    HeldPositions positions;
    for (const auto& row : parse_psql_rows(out)) {
        if (row.size() != 3 || row[2] != "end") continue;
        positions.received = parse_lsn(row[0]);
        positions.replayed = parse_lsn(row[1]);
    }
    return positions;
}

Result<HeldPositions> run_hold_wait(Executor& executor, const Host& host, std::uint64_t lsn,
                                    std::chrono::seconds timeout) {
    Command command;
    command.script = catch_up_script(host, lsn, timeout, CatchUpRule::ReplayedBeyond);
    command.run_as = RunAs::Postgres;
    command.purpose = "wait until the target holds the old primary's shutdown checkpoint";
    auto result = executor.run(command);
    if (!result) return result.error();
    auto positions = parse_hold_wait_output(result->out);
    if (!result->success() && !positions.received && !positions.replayed) {
        return make_host_error(ErrorKind::Remote, host.name, "catch-up", first_error(*result));
    }
    return positions;
}

std::string drop_slots_script(const Host& host, const std::vector<std::string>& slots) {
    return fmt::format(
        R"SH({psql} <<'PGREPL_SQL_END'
{sql}PGREPL_SQL_END
rm -f {marker}
)SH",
        fmt::arg("psql", psql_words(host)), fmt::arg("sql", drop_inactive_slots_sql(slots)),
        fmt::arg("marker", shell_quote(cluster_paths(host).switchover_marker)));
}

Result<std::vector<std::string>> run_drop_slots(Executor& executor, const Host& host,
                                                const std::vector<std::string>& slots) {
    Command command;
    command.script = drop_slots_script(host, slots);
    command.run_as = RunAs::Postgres;
    command.mutation = Mutation::Mutating;
    command.purpose = "drop the slots of the former standbys";
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        return make_host_error(ErrorKind::Remote, host.name, "slots", first_error(*result),
                               "drop them by hand: SELECT pg_drop_replication_slot('NAME');");
    }
    std::vector<std::string> dropped;
    for (auto line : split_lines(result->out)) {
        if (!line.empty()) dropped.emplace_back(line);
    }
    return dropped;
}

}  // namespace pgrepl
