#include "pgrepl/verify/probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/util/text.hpp"
#include "pgrepl/verify/gather.hpp"

namespace pgrepl {
namespace {

constexpr const char* kSqlDelimiter = "PGREPL_SQL_END";

std::optional<double> parse_double(std::string_view text) {
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

Error bad(std::string_view what, std::string_view detail) {
    return make_error(ErrorKind::Remote,
                      fmt::format("unexpected psql output for the probe {}: {}", what, detail));
}

/// The first non-empty line of `text` (psql's error), for messages.
std::string error_line(std::string_view text) {
    std::string line = first_line(text);
    return line.empty() ? "no error output" : line;
}

/// Why a standby cannot receive the probe, or "" when it can.
std::string skip_reason(const LiveTopology& topology, const std::vector<HostState>& states,
                        std::size_t index, std::size_t primary) {
    const HostState& state = states[index];
    if (!state.accepting || !state.server) return "it does not accept connections";
    if (state.server->replay_paused.value_or(false)) return "replay is paused";
    std::size_t current = index;
    for (std::size_t steps = 0; steps < states.size(); ++steps) {
        if (current == primary) return {};
        const auto& node = topology.nodes[current];
        const auto& receiver = states[current].receiver;
        const std::string& name = states[current].host->name;
        if (node.upstream_source != UpstreamSource::Live || !node.upstream)
            return current == index ? "it is not streaming"
                                    : fmt::format("its upstream {} is not streaming", name);
        if (!receiver || receiver->status != "streaming")
            return current == index ? "its wal receiver is not streaming"
                                    : fmt::format("its upstream {} is not streaming", name);
        current = *node.upstream;
    }
    return "its chain of upstreams does not reach the primary";
}

}  // namespace

const char* to_string(ProbeStatus status) {
    switch (status) {
        case ProbeStatus::NotRun:
            return "not-run";
        case ProbeStatus::Skipped:
            return "skipped";
        case ProbeStatus::Replayed:
            return "replayed";
        case ProbeStatus::Timeout:
            return "timeout";
        case ProbeStatus::Failed:
            return "failed";
    }
    return "not-run";
}

ProbePlan plan_probe(const LiveTopology& topology, const std::vector<HostState>& states) {
    ProbePlan plan;
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (topology.nodes[i].role != LiveRole::Standby || !topology.nodes[i].member) continue;
        if (!topology.primary) {
            plan.skipped[i] = "there is no live primary";
            continue;
        }
        auto reason = skip_reason(topology, states, i, *topology.primary);
        if (reason.empty()) {
            plan.standbys.push_back(i);
        } else {
            plan.skipped[i] = std::move(reason);
        }
    }
    if (topology.primary && states[*topology.primary].accepting) plan.primary = topology.primary;
    return plan;
}

std::string probe_emit_sql() {
    return "SET statement_timeout = '10s';\n"
           "SELECT extract(epoch FROM clock_timestamp());\n"
           "BEGIN;\n"
           "SET LOCAL synchronous_commit = local;\n"
           "SELECT pg_logical_emit_message(true, 'pgrepl-verify', 'pgrepl verify probe');\n"
           "COMMIT;\n";
}

Result<ProbeEmission> parse_probe_emit(std::string_view out) {
    const auto rows = parse_psql_rows(out);
    if (rows.size() != 2 || rows[0].size() != 1 || rows[1].size() != 1)
        return bad("emit", "expected two lines");
    ProbeEmission emission;
    const auto clock = parse_double(rows[0][0]);
    if (!clock) return bad("emit", "the clock is not a number");
    emission.clock_epoch = *clock;
    if (!parse_lsn(rows[1][0])) return bad("emit", "not a WAL position");
    emission.lsn = rows[1][0];
    return emission;
}

std::string probe_wait_sql(PgVersion version, std::string_view lsn,
                           std::chrono::milliseconds timeout) {
    const auto position = parse_lsn(lsn);
    if (!position) throw std::invalid_argument("probe_wait_sql: not an LSN");
    const std::string target = format_lsn(*position);
    const char* replay =
        version.number() >= 1000 ? "pg_last_wal_replay_lsn()" : "pg_last_xlog_replay_location()";
    const long long ms = std::max<long long>(0, timeout.count());
    return fmt::format(
        "SET statement_timeout = '{statement}ms';\n"
        "SELECT extract(epoch FROM clock_timestamp()), "
        "CASE WHEN {replay} >= '{target}'::pg_lsn THEN 't' ELSE 'f' END;\n"
        "DO $pgrepl$\n"
        "DECLARE deadline timestamptz := clock_timestamp() + interval '{ms} milliseconds';\n"
        "BEGIN\n"
        "  WHILE coalesce({replay} < '{target}'::pg_lsn, true) AND clock_timestamp() < deadline"
        " LOOP\n"
        "    PERFORM pg_sleep(0.001);\n"
        "  END LOOP;\n"
        "END\n"
        "$pgrepl$;\n"
        "SELECT extract(epoch FROM clock_timestamp()), "
        "CASE WHEN {replay} >= '{target}'::pg_lsn THEN 't' ELSE 'f' END, "
        "coalesce({replay}::text, '');\n",
        fmt::arg("statement", ms + 5000), fmt::arg("ms", ms), fmt::arg("replay", replay),
        fmt::arg("target", target));
}

Result<ProbeWait> parse_probe_wait(std::string_view out) {
    auto rows = parse_psql_rows(out);
    if (rows.size() != 2 || rows[0].size() != 2 || rows[1].size() != 3)
        return bad("wait", "expected two rows of 2 and 3 fields");
    ProbeWait wait;
    const auto first = parse_double(rows[0][0]);
    const auto replayed_first = parse_psql_bool(rows[0][1]);
    const auto clock = parse_double(rows[1][0]);
    const auto replayed = parse_psql_bool(rows[1][1]);
    if (!first || !replayed_first || !clock || !replayed) return bad("wait", "malformed row");
    wait.first_epoch = *first;
    wait.replayed_first = *replayed_first;
    wait.clock_epoch = *clock;
    wait.replayed = *replayed;
    wait.replay_lsn = std::move(rows[1][2]);
    if (!wait.replay_lsn.empty() && !parse_lsn(wait.replay_lsn))
        return bad("wait", "the replay position is not a WAL position");
    return wait;
}

ProbeResult probe_result(const ProbeEmission& emission, const ProbeWait& wait) {
    ProbeResult result;
    result.replay_lsn = wait.replay_lsn;
    if (!wait.replayed) {
        result.status = ProbeStatus::Timeout;
        result.detail = fmt::format("replay is at {}, the probe record at {}",
                                    wait.replay_lsn.empty() ? "?" : wait.replay_lsn, emission.lsn);
        return result;
    }
    result.status = ProbeStatus::Replayed;
    result.upper_bound = wait.replayed_first;
    const double seen = wait.replayed_first ? wait.first_epoch : wait.clock_epoch;
    result.ms = std::max(0.0, (seen - emission.clock_epoch) * 1000.0);
    return result;
}

Result<ProbeEmission> emit_probe(Executor& executor, const Host& primary) {
    Command command;
    command.script = fmt::format("{} -v ON_ERROR_STOP=1 2>&1 <<'{}'\n{}{}\n", verify_psql(primary),
                                 kSqlDelimiter, probe_emit_sql(), kSqlDelimiter);
    command.run_as = RunAs::Postgres;
    // It writes one WAL record (a logical message) and changes no data: read-only for users.
    command.mutation = Mutation::ReadOnly;
    command.purpose = "emit the probe WAL record";
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        return make_host_error(
            ErrorKind::Remote, primary.name, "verify",
            "emitting the probe record failed: " + error_line(result->out + result->err));
    }
    auto emission = parse_probe_emit(result->out);
    if (!emission) {
        return make_host_error(ErrorKind::Remote, primary.name, "verify",
                               describe(emission.error()));
    }
    return emission;
}

ProbeResult await_probe(Executor& executor, const Host& standby, const ProbeEmission& emission,
                        std::chrono::milliseconds timeout) {
    ProbeResult failed;
    failed.status = ProbeStatus::Failed;
    Command command;
    command.script = fmt::format(
        "{} -v ON_ERROR_STOP=1 2>&1 <<'{}'\n{}{}\n", verify_psql(standby), kSqlDelimiter,
        probe_wait_sql(standby.postgres.version, emission.lsn, timeout), kSqlDelimiter);
    command.run_as = RunAs::Postgres;
    command.mutation = Mutation::ReadOnly;
    command.purpose = "wait for the probe record";
    auto result = executor.run(command);
    if (!result) {
        failed.detail = describe(result.error());
        return failed;
    }
    if (!result->success()) {
        failed.detail = error_line(result->out + result->err);
        return failed;
    }
    auto wait = parse_probe_wait(result->out);
    if (!wait) {
        failed.detail = describe(wait.error());
        return failed;
    }
    return probe_result(emission, *wait);
}

}  // namespace pgrepl
