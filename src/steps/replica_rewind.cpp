#include "replica_rewind.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/pg/rewind.hpp"
#include "pgrepl/util/text.hpp"
#include "replica_clone.hpp"

namespace pgrepl::steps {
namespace {

// Brings a crashed data directory to a clean shutdown: postgres --single replays its WAL and
// writes a shutdown checkpoint, as pg_rewind 13+ would itself; but a single-user server refuses
// standby mode, and before 15 it cannot be given Debian's config file, so pgrepl does it, with
// the recovery signal files set aside meanwhile. Then prints the last checkpoint and minimum
// recovery point: where the data directory's WAL ends.
constexpr const char* kPrepareTemplate = R"SH(trap '' HUP PIPE
D={data}; BIN={bin}; CONF={conf}
as_postgres() {{ if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }}
control() {{ as_postgres env LC_ALL=C "$BIN/pg_controldata" "$D" | sed -n "s/^$1: *//p"; }}
state=$(control 'Database cluster state')
case "$state" in
  'shut down'|'shut down in recovery') ;;
  *)
    moved=''
    for f in standby.signal recovery.signal recovery.conf; do
      if [ -f "$D/$f" ]; then mv "$D/$f" "$D/$f.pgrepl-rewind" && moved="$moved $f"; fi
    done
    out=$(cd "$D" && as_postgres "$BIN/postgres" --single -F -D "$D" -c config_file="$CONF" template1 </dev/null 2>&1); rc=$?
    for f in $moved; do mv "$D/$f.pgrepl-rewind" "$D/$f"; done
    if [ $rc -ne 0 ]; then printf '%s\n' "$out" | tail -n 5 >&2; exit $rc; fi
    echo "recovered=$state"
    ;;
esac
echo "checkpoint=$(control 'Latest checkpoint location')"
echo "min_recovery=$(control 'Minimum recovery ending location')")SH";

struct Prepared {
    std::string recovered_from;  // the crashed state, when it was recovered
    std::uint64_t last = 0;      // where its WAL ends (the later of checkpoint and min recovery)
};

Result<Prepared> prepare(const StepContext& context, std::string_view step) {
    const auto& pg = context.host.postgres;
    Command command;
    command.script = fmt::format(
        kPrepareTemplate, fmt::arg("data", shell_quote(data_directory(context))),
        fmt::arg("bin", shell_quote("/usr/lib/postgresql/" + pg.version.to_string() + "/bin")),
        fmt::arg("conf", shell_quote(context.paths.conf_dir + "/postgresql.conf")));
    command.mutation = Mutation::Mutating;
    command.purpose = "bring the data directory to a clean shutdown";
    auto result = run_checked(context, step, std::move(command));
    if (!result) {
        auto error = result.error();
        error.hint =
            "single-user crash recovery failed: look at the output above; re-clone it with pgrepl "
            "setup --force --limit " +
            context.host.name;
        return error;
    }
    Prepared prepared;
    for (const auto line : split_lines(result->out)) {
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        const auto key = line.substr(0, eq);
        const auto value = line.substr(eq + 1);
        if (key == "recovered") prepared.recovered_from = std::string(value);
        if (key == "checkpoint" || key == "min_recovery")
            prepared.last = std::max(prepared.last, parse_lsn(value).value_or(0));
    }
    return prepared;
}

// pg_rewind as postgres. Its info lines go to stdout before 13, to stderr from 13 on.
Result<CommandResult> run_pg_rewind(const StepContext& context, std::string_view step) {
    const auto& pg = context.host.postgres;
    const int version = pg.version.number();
    const Host& upstream = context.inventory.upstream_of(context.host);
    std::string options;
    // Debian keeps postgresql.conf outside the data directory: 15+ can be told where.
    if (version >= 1500)
        options += " --config-file=" + shell_quote(context.paths.conf_dir + "/postgresql.conf");
    const bool archive = context.inventory.replication.archive.method != ArchiveMethod::None;
    if (archive && version >= 1500) {
        options += " --restore-target-wal";
    } else if (archive && version >= 1300) {
        spdlog::warn(
            "{}: {}: no --restore-target-wal before 15 (pg_rewind cannot read Debian's "
            "postgresql.conf): WAL only in the archive is not found",
            context.host.name, step);
    }
    // Crash recovery was done above; from 13 on pg_rewind would try it itself otherwise.
    if (version >= 1300) options += " --no-ensure-shutdown";
    Command command;
    command.script = fmt::format(
        "trap '' HUP PIPE; /usr/lib/postgresql/{}/bin/pg_rewind --target-pgdata={} "
        "--source-server={}{}",
        shell_quote(pg.version.to_string()), shell_quote(data_directory(context)),
        shell_quote(rewind_source_conninfo(context.inventory, upstream, context.paths.passfile)),
        options);
    command.mutation = Mutation::Mutating;
    command.run_as = RunAs::Postgres;
    command.purpose = "pg_rewind from " + upstream.name;
    auto result = run_checked(context, step, std::move(command));
    if (!result) {
        auto error = result.error();
        error.hint = fmt::format(
            "check that {0} accepts logins of {1} to database postgres from this host and still "
            "has the WAL since the fork (or the archive does); if it cannot be rewound, re-clone "
            "it with pgrepl setup --force --limit {2}",
            upstream.name, context.inventory.replication.rewind_user, context.host.name);
        return error;
    }
    return result;
}

// pg_rewind compares the timelines in the two pg_control files; a server promoted moments ago
// still shows the old one there (until its first checkpoint ends): nothing was rewound, and
// the target, started now, could not follow. Fail before starting it (the next run retries).
Status stale_source_timeline(const StepContext& context, std::string_view step,
                             const RewindOutput& output) {
    const auto& login = context.snapshot.replication_login;
    const auto& target = context.snapshot.facts.control_checkpoint_timeline;
    if (!output.same_timeline || !login || !login->ok || login->timeline == target)
        return ok_status();
    const auto& upstream = context.inventory.upstream_of(context.host).name;
    return make_host_error(
        ErrorKind::Conflict, context.host.name, std::string(step),
        fmt::format("pg_rewind found {0}'s pg_control on this host's timeline {1}, but {0} runs "
                    "on timeline {2}: its first checkpoint since the promotion has not ended; "
                    "nothing was rewound",
                    upstream, target, login->timeline),
        fmt::format("run pgrepl setup with {0} included (its rewind_role step runs CHECKPOINT "
                    "there), or CHECKPOINT on {0}, then run pgrepl setup again",
                    upstream));
}

void report(const StepContext& context, std::string_view step, const Prepared& prepared,
            const RewindOutput& output) {
    const auto& upstream = context.inventory.upstream_of(context.host).name;
    if (!prepared.recovered_from.empty()) {
        spdlog::info("{}: {}: crash recovery done (it was '{}')", context.host.name, step,
                     prepared.recovered_from);
    }
    if (output.no_rewind_required || !output.fork_point) {
        spdlog::info(
            "{}: {}: pg_rewind: no rewind required: nothing after the fork, 0 bytes of "
            "WAL discarded",
            context.host.name, step);
        return;
    }
    const auto fork = *output.fork_point;
    const auto discarded = prepared.last > fork ? prepared.last - fork : 0;
    spdlog::info(
        "{}: {}: pg_rewind: diverged from {} at {} on timeline {}; {} byte(s) of WAL after the "
        "fork (up to {}) discarded; rewound from the common checkpoint at {}",
        context.host.name, step, upstream, format_lsn(fork), output.fork_timeline, discarded,
        format_lsn(prepared.last),
        output.common_checkpoint ? format_lsn(*output.common_checkpoint) : "unknown");
}

}  // namespace

std::string rewind_source_conninfo(const Inventory& inventory, const Host& upstream,
                                   std::string_view passfile) {
    return login_check_conninfo(upstream, inventory.replication.rewind_user, passfile,
                                LoginKind::Database);
}

Status rewind_standby(const StepContext& context, std::string_view step) {
    auto prepared = prepare(context, step);
    if (!prepared) return prepared.error();
    // restore_command for --restore-target-wal comes from the standby settings.
    if (auto written = write_standby_files(context); !written) return written;
    auto rewound = run_pg_rewind(context, step);
    if (!rewound) return rewound.error();
    const auto said = rewound->out + "\n" + rewound->err;
    spdlog::debug("{}: {}: pg_rewind said:\n{}", context.host.name, step, said);
    const auto output = parse_rewind_output(said);
    if (auto stale = stale_source_timeline(context, step, output); !stale) return stale;
    report(context, step, *prepared, output);
    // pg_rewind copied the source's files and removed what the source lacks (standby.signal).
    if (auto written = write_standby_files(context); !written) return written;
    Command unfence;
    unfence.script = unfence_script(context);
    unfence.mutation = Mutation::Mutating;
    unfence.purpose = "give start.conf back and remove the fence marker";
    if (auto done = run_checked(context, step, std::move(unfence)); !done) return done.error();
    if (auto started = pg_ctlcluster(context, step, "start"); !started) return started;
    return wait_streaming(context, step);
}

}  // namespace pgrepl::steps
