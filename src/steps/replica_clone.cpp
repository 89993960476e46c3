#include "replica_clone.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "common.hpp"
#include "pgrepl/engine/clone_gate.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/settings.hpp"
#include "pgrepl/pg/sql.hpp"
#include "pgrepl/steps/archive.hpp"
#include "pgrepl/steps/clone_marker.hpp"
#include "pgrepl/util/diff.hpp"

namespace pgrepl::steps {
namespace {

constexpr int kStreamTimeoutSeconds = 60;
constexpr int kEarlierBackupWaitSeconds = 30;
constexpr int kSenderRetries = 30;
constexpr int kRemovedWalRetries = 2;

struct DesiredFiles {
    std::string standby_conf;                  // 12+: conf.d/pgrepl-standby.conf
    std::optional<std::string> recovery_conf;  // before 12: DATA/recovery.conf
};

DesiredFiles desired_files(const StepContext& context) {
    auto files = render_standby(standby_input(context));
    DesiredFiles desired;
    if (files.recovery_conf) {
        desired.recovery_conf = files.recovery_conf;
    } else {
        desired.standby_conf = render_managed_conf(
            files.settings,
            "Standby settings: this node streams from " +
                context.inventory.upstream_of(context.host).name +
                ". They apply only while standby.signal exists in the data directory.");
    }
    return desired;
}

std::string recovery_path(const StepContext& context) {
    return recovery_conf_path(data_directory(context));
}

// Logs pg_basebackup's progress ("1234/5678 kB (21%), ...") at most every `interval`.
class ProgressLog {
  public:
    ProgressLog(std::string host, std::chrono::seconds interval)
        : host_(std::move(host)), interval_(interval) {}

    void feed(std::string_view chunk) {
        buffer_.append(chunk);
        static const std::regex progress(R"((\d+)/(\d+) kB \((\d+)%\))");
        std::smatch match;
        std::string last;
        auto begin = buffer_.cbegin();
        while (std::regex_search(begin, buffer_.cend(), match, progress)) {
            last = match.str(0);
            done_kb_ = std::stoll(match.str(1));
            total_kb_ = std::stoll(match.str(2));
            percent_ = std::stoi(match.str(3));
            begin = match.suffix().first;
        }
        if (buffer_.size() > 4096) buffer_.erase(0, buffer_.size() - 256);
        if (last.empty()) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_log_ < interval_ && percent_ < 100) return;
        last_log_ = now;
        const double seconds = std::chrono::duration<double>(now - start_).count();
        const double rate = seconds > 0 ? done_kb_ / 1024.0 / seconds : 0;
        const auto left =
            rate > 0 && total_kb_ > done_kb_
                ? fmt::format(", {:.0f} s left", (total_kb_ - done_kb_) / 1024.0 / rate)
                : std::string();
        spdlog::info("{}: replica: base backup {}% ({:.1f} of {:.1f} MB, {:.1f} MB/s{})", host_,
                     percent_, done_kb_ / 1024.0, total_kb_ / 1024.0, rate, left);
    }

  private:
    std::string host_;
    std::chrono::seconds interval_;
    std::string buffer_;
    long long done_kb_ = 0;
    long long total_kb_ = 0;
    int percent_ = 0;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_log_{};
};

// Deals with the pg_basebackup processes that the snapshot saw writing into the data
// directory. When pgrepl is killed, the pg_basebackup it started dies at its next progress line
// (SIGPIPE), but its WAL streamer may live on. Those that carry the clone marker's label (they
// are that interrupted clone's) and no longer descend from an SSH session (the run that started
// them is gone, nobody can finish that copy) are stopped at once. Any other (a concurrent run's,
// a copy started by hand) is waited for, up to 30 s, never killed: then the step fails.
Status end_earlier_basebackup(const StepContext& context, std::string_view step) {
    std::vector<std::string> pids;
    for (const auto& pid : context.snapshot.facts.basebackup_pids) {
        if (!pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos)
            pids.push_back(pid);
    }
    if (pids.empty()) return ok_status();
    const auto words = fmt::format("{}", fmt::join(pids, " "));
    std::string label;
    if (auto marker = context.snapshot.file(context.paths.clone_marker))
        label = parse_clone_marker(*marker).label;
    spdlog::info(
        "{}: {}: pg_basebackup still writes into the data directory (pid {}): stopping "
        "it when it is the interrupted clone's, else waiting up to {} s for it to end",
        context.host.name, step, words, kEarlierBackupWaitSeconds);
    Command command;
    command.script = fmt::format(
        R"SH(label={label}
alive() {{ grep -qa pg_basebackup /proc/$1/cmdline 2>/dev/null; }}
ours() {{ [ -n "$label" ] && tr '\0' '\n' 2>/dev/null < /proc/$1/cmdline | grep -qxF -e "$label"; }}
under_ssh() {{
  q=$1
  while [ -n "$q" ] && [ "$q" -gt 1 ]; do
    q=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$q/status 2>/dev/null)
    [ -n "$q" ] || return 1
    case "$(cat /proc/$q/comm 2>/dev/null)" in sshd|sshd-*) return 0 ;; esac
  done
  return 1
}}
for p in {pids}; do
  if alive $p && ours $p && ! under_ssh $p; then echo "$p"; kill $p 2>/dev/null; fi
done
i=0; left=''
while [ $i -lt {ticks} ]; do
  left=''
  for p in {pids}; do alive $p && left="$left $p"; done
  [ -z "$left" ] && exit 0
  sleep 0.2; i=$((i+1))
done
echo "pg_basebackup still running after {seconds} s: pid$left" >&2; exit 1)SH",
        fmt::arg("label", shell_quote(label)), fmt::arg("pids", words),
        fmt::arg("ticks", kEarlierBackupWaitSeconds * 5),
        fmt::arg("seconds", kEarlierBackupWaitSeconds));
    command.mutation = Mutation::Mutating;
    command.purpose = "end the pg_basebackup of an earlier run";
    auto result = run_checked(context, step, std::move(command));
    if (!result) {
        auto error = result.error();
        error.hint = fmt::format(
            "it may be another pgrepl run's clone, or a copy started by hand: let it end, or "
            "stop it (kill {}) if nobody needs it, then run pgrepl setup again",
            words);
        return error;
    }
    std::istringstream stopped(result->out);
    for (std::string pid; stopped >> pid;) {
        spdlog::info("{}: {}: stopped pid {}, a pg_basebackup of the interrupted clone",
                     context.host.name, step, pid);
    }
    return ok_status();
}

Status write_clone_marker(const StepContext& context, const CloneMarker& marker) {
    FileSpec file;
    file.path = context.paths.clone_marker;
    file.content = render_clone_marker(marker);
    file.mode = 0644;
    return context.executor.write_file(file);
}

// After a standby streams: an earlier run's clone marker has served its purpose.
Status forget_earlier_clone(const StepContext& context, std::string_view step) {
    if (!context.snapshot.file(context.paths.clone_marker)) return ok_status();
    return remove_clone_marker(context, step);
}

}  // namespace

Status write_standby_files(const StepContext& context) {
    const auto desired = desired_files(context);
    const auto data_dir = data_directory(context);
    FileSpec file;
    file.owner = "postgres";
    file.group = "postgres";
    if (desired.recovery_conf) {
        file.path = recovery_conf_path(data_dir);
        file.content = *desired.recovery_conf;
        file.mode = 0600;
        return context.executor.write_file(file);
    }
    file.path = context.paths.standby_conf;
    file.content = desired.standby_conf;
    file.mode = 0644;
    if (auto written = context.executor.write_file(file); !written) return written;
    file.path = standby_signal_path(data_dir);
    file.content = "";
    file.mode = 0600;
    return context.executor.write_file(file);
}

Status wait_streaming(const StepContext& context, std::string_view step) {
    Command command;
    command.script = fmt::format(
        R"SH(i=0; s=''
while [ $i -lt {0} ]; do
  s=$({1} -c 'SELECT status FROM pg_stat_wal_receiver' 2>/dev/null)
  [ "$s" = streaming ] && exit 0
  sleep 0.2; i=$((i+1))
done
echo "wal receiver status: ${{s:-none}}" >&2; exit 1)SH",
        kStreamTimeoutSeconds * 5, psql_command(context.host, runuser_psql()));
    command.purpose = fmt::format("wait until streaming (up to {} s)", kStreamTimeoutSeconds);
    auto result = run_checked(context, step, std::move(command));
    if (!result) {
        auto error = result.error();
        error.kind = ErrorKind::Timeout;
        auto tail = server_log_tail(context.executor, context.host, 8);
        error.hint = tail.empty() ? "look at " + context.paths.log_file
                                  : "last lines of " + context.paths.log_file + ":\n" + tail;
        return error;
    }
    return ok_status();
}

std::string unfence_script(const StepContext& context) {
    return fmt::format("if [ -f {0} ]; then printf 'auto\\n' > {1} && rm -f {0}; fi",
                       shell_quote(context.paths.fence_file),
                       shell_quote(context.paths.start_conf));
}

Status remove_clone_marker(const StepContext& context, std::string_view step) {
    Command command;
    command.script = "rm -f " + shell_quote(context.paths.clone_marker);
    command.mutation = Mutation::Mutating;
    command.purpose = "remove the clone marker";
    auto result = run_checked(context, step, std::move(command));
    if (!result) return result.error();
    return ok_status();
}

StandbyInput standby_input(const StepContext& context) {
    const Host& upstream = context.inventory.upstream_of(context.host);
    StandbyInput input;
    input.version = context.host.postgres.version;
    input.upstream_host = upstream.address;
    input.upstream_port = upstream.postgres.port;
    input.user = context.inventory.replication.user;
    input.application_name = context.host.name;
    input.passfile = context.paths.passfile;
    if (context.inventory.replication.slots) input.slot_name = slot_name_for(context.host.name);
    if (context.host.postgres.version.number() < 1200)
        input.trigger_file = context.paths.trigger_file;
    const auto archive = archive_commands(context.inventory, context.host);
    input.restore_command = archive.restore_command;
    input.archive_cleanup_command = archive.archive_cleanup_command;
    return input;
}

bool standby_files_match(const StepContext& context) {
    const auto desired = desired_files(context);
    if (desired.recovery_conf)
        return context.snapshot.file(recovery_path(context)) == desired.recovery_conf;
    return context.snapshot.file(context.paths.standby_conf) == desired.standby_conf &&
           context.snapshot.facts.standby_signal;
}

std::string standby_diff(const StepContext& context) {
    const auto desired = desired_files(context);
    if (desired.recovery_conf) {
        return line_diff(context.snapshot.file(recovery_path(context)).value_or(""),
                         *desired.recovery_conf, recovery_path(context));
    }
    auto diff = line_diff(context.snapshot.file(context.paths.standby_conf).value_or(""),
                          desired.standby_conf, context.paths.standby_conf);
    if (!context.snapshot.facts.standby_signal)
        diff += "+ " + standby_signal_path(data_directory(context)) + "\n";
    return diff;
}

Status clone_standby(const StepContext& context, std::string_view step) {
    const auto data_dir = data_directory(context);
    if (data_dir.size() < 2 || data_dir.front() != '/' ||
        data_dir.find("..") != std::string::npos) {
        return make_host_error(ErrorKind::Internal, context.host.name, std::string(step),
                               "unsafe data directory '" + data_dir + "'");
    }
    if (auto ended = end_earlier_basebackup(context, step); !ended) return ended;
    // Stop and wipe in one remote command that a dropped session does not cut short (SIGHUP
    // and SIGPIPE ignored): a run killed in between would leave a stopped cluster that is
    // neither the old one running nor an empty directory, and no marker to tell it apart.
    // A host fenced by promote gets its start.conf back: it is about to become a standby.
    const bool running = context.snapshot.facts.cluster_running;
    Command wipe;
    wipe.script = fmt::format(
        "trap '' HUP PIPE; {2}install -d -o postgres -g postgres -m 0700 {0} && "
        "find {0} -mindepth 1 -delete && rm -f {3} && {1}",
        shell_quote(data_dir), unfence_script(context),
        running ? fmt::format("pg_ctlcluster {} stop -m fast && ", cluster_words(context.host))
                : std::string(),
        shell_quote(context.paths.fresh_marker));
    wipe.mutation = Mutation::Mutating;
    wipe.purpose =
        running ? "stop the server and empty the data directory" : "empty the data directory";
    if (auto wiped = run_checked(context, step, std::move(wipe)); !wiped) {
        auto error = wiped.error();
        if (auto tail =
                running ? server_log_tail(context.executor, context.host, 5) : std::string();
            !tail.empty())
            error.hint = "last lines of " + context.paths.log_file + ":\n" + tail;
        return error;
    }
    // From here until the standby streams, the marker says whose half-filled directory it is.
    const auto& login = context.snapshot.replication_login;
    const auto marker =
        new_clone_marker(context.inventory.upstream_of(context.host).name,
                         login && login->ok ? login->system_identifier : "", data_dir);
    if (auto marked = write_clone_marker(context, marker); !marked) return marked;

    const auto input = standby_input(context);
    const auto conninfo = primary_conninfo(input);
    const auto backup = [&] {
        Command command;
        command.script = fmt::format(
            "/usr/lib/postgresql/{}/bin/pg_basebackup -d {} -D {} -l {} -X stream -c fast -w -P{}",
            shell_quote(context.host.postgres.version.to_string()), shell_quote(conninfo),
            shell_quote(data_dir), shell_quote(marker.label),
            input.slot_name ? " -S " + shell_quote(*input.slot_name) : std::string());
        command.mutation = Mutation::Mutating;
        command.run_as = RunAs::Postgres;
        command.purpose = "pg_basebackup from " + context.inventory.upstream_of(context.host).name;
        return command;
    };
    // Each pg_basebackup -X stream takes two of the upstream's WAL senders: setup bounds how
    // many run from one upstream at once (CloneGate), the pass held until it ends.
    std::optional<CloneGate::Pass> pass;
    const auto& upstream = context.inventory.upstream_of(context.host).name;
    if (context.cluster.clone_gate != nullptr) {
        pass.emplace(context.cluster.clone_gate->enter(upstream, [&](int limit) {
            spdlog::info(
                "{}: replica: waiting to clone: {} clone(s) at once from {} "
                "(replication.parallel_clones, docs/inventory.md)",
                context.host.name, limit, upstream);
        }));
    }
    ProgressLog progress(context.host.name, std::chrono::seconds(isatty(STDERR_FILENO) ? 1 : 5));
    // The senders of a clone that just ended, or of a standby reconnecting, are freed a moment
    // later: a refusal for want of a sender is tried again for up to kSenderRetries seconds
    // (pg_basebackup refused at its connection has written nothing). Without a slot of its
    // own, a clone's temporary slot is created only after the backup started: a checkpoint of
    // another clone in between may recycle the segment it starts in ("has already been
    // removed"); pg_basebackup has removed what it wrote, and a new backup starts later.
    Result<CommandResult> copied = make_host_error(ErrorKind::Internal, context.host.name,
                                                   std::string(step), "pg_basebackup not run");
    for (int attempt = 0, removed = 0;; ++attempt) {
        auto command = backup();
        command.on_stderr = [&progress](std::string_view chunk) { progress.feed(chunk); };
        copied = run_checked(context, step, std::move(command));
        if (copied) break;
        const auto& message = copied.error().message;
        if (message.find("has already been removed") != std::string::npos &&
            removed++ < kRemovedWalRetries) {
            spdlog::info(
                "{}: replica: the WAL the clone starts in was recycled on {} before it "
                "was read: cloning again",
                context.host.name, upstream);
            continue;
        }
        if (attempt >= kSenderRetries ||
            message.find("exceeds max_wal_senders") == std::string::npos)
            break;
        if (attempt == 0) {
            spdlog::info(
                "{}: replica: {} has no WAL sender free yet: trying again each second "
                "(up to {} s)",
                context.host.name, upstream, kSenderRetries);
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (!copied) {
        auto error = copied.error();
        // A lost SSH connection keeps its own hint.
        if (error.kind == ErrorKind::Remote)
            error.hint = clone_failure_hint(error.message, context.host.name, data_dir);
        return error;
    }
    if (auto written = write_standby_files(context); !written) return written;
    if (auto started = pg_ctlcluster(context, step, "start"); !started) return started;
    if (auto streaming = wait_streaming(context, step); !streaming) return streaming;
    return remove_clone_marker(context, step);
}

std::string clone_failure_hint(std::string_view message, std::string_view host,
                               std::string_view data_dir) {
    if (message.find("No space left on device") != std::string_view::npos ||
        message.find("could not extend file") != std::string_view::npos) {
        return fmt::format(
            "the file system of {} on {} is full: a clone needs the upstream's size and its WAL "
            "(df -h {}); free space, then run pgrepl setup again: the interrupted clone is "
            "cloned again (no --force)",
            data_dir, host, data_dir);
    }
    if (message.find("exceeds max_wal_senders") != std::string_view::npos) {
        return "the upstream has no WAL sender free (each clone takes two, each standby one; "
               "other tools may hold some too): raise max_wal_senders on it (postgres.settings, "
               "a restart) or lower replication.parallel_clones, then run pgrepl setup again";
    }
    return "check that the upstream accepts replication logins from this host (pg_hba, "
           "password, slot)";
}

Status reconfigure_standby(const StepContext& context, std::string_view step) {
    if (auto written = write_standby_files(context); !written) return written;
    // primary_conninfo and primary_slot_name are reloadable from 13 on.
    const bool reload = context.host.postgres.version.number() >= 1300;
    if (auto applied = reload ? reload_and_wait(context, step)
                              : pg_ctlcluster(context, step, "restart -m fast");
        !applied) {
        return applied;
    }
    if (auto streaming = wait_streaming(context, step); !streaming) return streaming;
    return forget_earlier_clone(context, step);
}

Status start_standby(const StepContext& context, std::string_view step) {
    if (!standby_files_match(context)) {
        if (auto written = write_standby_files(context); !written) return written;
    }
    if (auto started = pg_ctlcluster(context, step, "start"); !started) return started;
    if (auto streaming = wait_streaming(context, step); !streaming) {
        // Stopped, it could not tell: the upstream removed the WAL it needs (its slot was lost).
        if (context.force == Force::Yes &&
            streaming.error().hint.find("has already been removed") != std::string::npos) {
            spdlog::warn("{}: {}: {} removed WAL it needs: re-cloning it (--force)",
                         context.host.name, step, context.inventory.upstream_of(context.host).name);
            return clone_standby(context, step);
        }
        return streaming;
    }
    return forget_earlier_clone(context, step);
}

}  // namespace pgrepl::steps
