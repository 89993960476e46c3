#include "pgrepl/verify/archive.hpp"

#include <fmt/format.h>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/archive.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/verify/gather.hpp"

namespace pgrepl {
namespace {

std::string age_text(const std::optional<double>& age) {
    return age ? format_seconds(*age) + " ago" : std::string("at an unknown time");
}

std::string archive_place(const Inventory& inventory) {
    const auto& archive = inventory.replication.archive;
    if (archive.method == ArchiveMethod::Ssh) return archive.host + ":" + archive.path;
    return std::string("method ") + to_string(archive.method);
}

// The primary's side of --archive, as one script: a WAL record, the switch, then polling
// pg_stat_archiver. Prints `segment|segment_bytes|elapsed_ms|state|last_archived|failed_count|
// last_failed` with state archived, failed (a new failure for that segment) or timeout.
std::string switch_and_wait_script(const Host& host, std::chrono::milliseconds timeout) {
    const bool modern = host.postgres.version.number() >= 1000;
    const std::string switch_sql = modern ? "SELECT pg_walfile_name(pg_switch_wal()), "
                                            "pg_size_bytes(current_setting('wal_segment_size'))"
                                          : "SELECT pg_xlogfile_name(pg_switch_xlog()), "
                                            "pg_size_bytes(current_setting('wal_segment_size'))";
    return fmt::format(
        R"SH(Q() {{ {0} -c "$1"; }}
failed0=$(Q "SELECT failed_count FROM pg_stat_archiver") || exit 1
Q "SELECT pg_logical_emit_message(false, 'pgrepl-verify-archive', now()::text)" >/dev/null || exit 1
row=$(Q {1}) || exit 1
seg=${{row%%|*}}; size=${{row#*|}}
start=$(date +%s%N)
state=timeout
i=0
while [ $i -lt {2} ]; do
  st=$(Q "SELECT coalesce(last_archived_wal, ''), failed_count, coalesce(last_failed_wal, ''), coalesce(last_archived_wal, '') >= '$seg' FROM pg_stat_archiver") || exit 1
  case $st in *'|t') state=archived; break ;; esac
  f=$(echo "$st" | cut -d'|' -f2)
  if [ "$f" -gt "$failed0" ] && [ "$(echo "$st" | cut -d'|' -f3)" = "$seg" ]; then state=failed; break; fi
  sleep 0.1; i=$((i+1))
done
end=$(date +%s%N)
echo "$seg|$size|$(( (end - start) / 1000000 ))|$state|$(echo "$st" | cut -d'|' -f1-3)")SH",
        verify_psql(host), shell_quote(switch_sql), std::max<long long>(1, timeout.count() / 100));
}

}  // namespace

CheckResult archiver_check(const Inventory& inventory, const HostState& state) {
    const auto& archive = inventory.replication.archive;
    CheckResult check;
    check.name = "archive";
    if (archive.method == ArchiveMethod::None) {
        check.status = CheckStatus::Skipped;
        check.message = "WAL archiving is off (replication.archive.method: none)";
        return check;
    }
    if (!state.archiver) {
        check.status = CheckStatus::Skipped;
        check.message = "pg_stat_archiver could not be read";
        return check;
    }
    const auto& stats = *state.archiver;
    const auto last = stats.last_archived_wal.empty()
                          ? std::string("nothing archived yet")
                          : fmt::format("last archived {} {}", stats.last_archived_wal,
                                        age_text(stats.last_archived_age));
    if (stats.failing) {
        check.status = CheckStatus::Failed;
        check.message =
            fmt::format("archiving to {} fails: {} failed attempt(s), the last for {} {}; {}",
                        archive_place(inventory), stats.failed_count, stats.last_failed_wal,
                        age_text(stats.last_failed_age), last);
        const auto log = cluster_paths(*state.host).log_file;
        check.hint = archive.method == ArchiveMethod::Ssh
                         ? fmt::format(
                               "the segments wait in pg_wal until it works: look for "
                               "archive_command's error in {} and at {} (writable by postgres?); "
                               "pgrepl setup repairs the archive directory, keys and scripts",
                               log, archive_place(inventory))
                         : fmt::format(
                               "the segments wait in pg_wal until it works: look for "
                               "archive_command's error in {}",
                               log);
        return check;
    }
    check.status = CheckStatus::Ok;
    check.message = fmt::format("{} segment(s) archived to {}, {}", stats.archived_count,
                                archive_place(inventory), last);
    if (stats.failed_count > 0) {
        check.message += fmt::format(" ({} earlier failure(s), the last {})", stats.failed_count,
                                     age_text(stats.last_failed_age));
    }
    return check;
}

ArchiveTestResult run_archive_test(Executor& primary, const Host& primary_host,
                                   const Inventory& inventory, Executor* archive_host,
                                   std::chrono::milliseconds timeout) {
    ArchiveTestResult result;
    result.host = primary_host.name;
    result.where = archive_place(inventory);
    const auto& archive = inventory.replication.archive;
    if (archive.method == ArchiveMethod::None) {
        result.error = "WAL archiving is off (replication.archive.method: none)";
        return result;
    }
    Command command;
    command.script = switch_and_wait_script(primary_host, timeout);
    command.run_as = RunAs::Postgres;
    command.mutation = Mutation::Mutating;
    command.purpose = "switch to a new WAL segment and wait until it is archived";
    auto ran = primary.run(command);
    if (!ran || !ran->success()) {
        result.error =
            ran ? fmt::format("the segment switch failed (exit {}): {}", ran->exit_status, ran->err)
                : describe(ran.error());
        while (!result.error.empty() && result.error.back() == '\n') result.error.pop_back();
        return result;
    }
    auto out = ran->out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    const auto rows = parse_psql_rows(out);
    if (rows.size() != 1 || rows[0].size() < 4) {
        result.error = "unexpected output of the segment switch: " + out;
        return result;
    }
    const auto& fields = rows[0];
    result.segment = fields[0];
    result.segment_bytes = parse_int(fields[1]).value_or(0);
    const auto elapsed = parse_int(fields[2]);
    const std::string& state = fields[3];
    if (state != "archived") {
        const auto waited = format_seconds(static_cast<double>(timeout.count()) / 1000.0);
        result.error = state == "failed"
                           ? fmt::format("archive_command failed for {} (see the archive check)",
                                         result.segment)
                           : fmt::format("{} was not archived within {}", result.segment, waited);
        return result;
    }
    if (elapsed) result.seconds = static_cast<double>(*elapsed) / 1000.0;
    if (archive.method != ArchiveMethod::Ssh) {
        result.ok = true;
        return result;
    }
    if (archive_host == nullptr) {
        result.error = fmt::format("{} is archived, but the archive host {} is unreachable",
                                   result.segment, archive.host);
        return result;
    }
    Command stat;
    stat.script = fmt::format("stat -c %s {} 2>/dev/null || echo missing",
                              shell_quote(archive.path + "/" + result.segment));
    stat.purpose = "look for the segment in the archive";
    auto found = archive_host->run(stat);
    if (!found || !found->success()) {
        result.error =
            found ? "could not look into the archive: " + found->err : describe(found.error());
        return result;
    }
    const auto bytes = parse_int(found->out.substr(0, found->out.find('\n')));
    if (!bytes) {
        result.error = fmt::format("pg_stat_archiver reports {} archived, but it is not in {}",
                                   result.segment, result.where);
        return result;
    }
    result.bytes = *bytes;
    if (*bytes != result.segment_bytes) {
        result.error = fmt::format("{} in {} has {} bytes, not {}", result.segment, result.where,
                                   *bytes, result.segment_bytes);
        return result;
    }
    result.ok = true;
    return result;
}

CheckResult archive_test_check(const ArchiveTestResult& result) {
    CheckResult check;
    check.name = "archive_test";
    if (result.ok) {
        check.status = CheckStatus::Ok;
        check.message = archive_test_line(result);
        return check;
    }
    check.status = CheckStatus::Failed;
    check.message = "archive test: " + result.error;
    check.hint =
        "look for archive_command's error in the primary's server log; with method ssh, "
        "pgrepl setup repairs the archive directory, keys and scripts";
    return check;
}

std::string archive_test_line(const ArchiveTestResult& result) {
    if (!result.ok) return "archive: FAILED: " + result.error;
    std::string line = fmt::format("archive: {} reached {} in {}", result.segment, result.where,
                                   format_seconds(result.seconds.value_or(0)));
    if (result.bytes) line += fmt::format(" ({})", format_bytes(*result.bytes));
    return line;
}

}  // namespace pgrepl
