// settings: the managed drop-in conf.d/pgrepl.conf, reloaded after a change; settings that
// another file overrides are reported as conflicts.
#include <fmt/format.h>

#include <set>

#include "common.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/settings_check.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/util/diff.hpp"
#include "settings_state.hpp"

namespace pgrepl {
namespace {

constexpr const char* kSettingsQuery = "settings";
constexpr const char* kFileSettingsQuery = "file_settings";
// Parameters that only change at a restart, for when the server cannot be asked (stopped).
const std::set<std::string> kRestartParameters = {"listen_addresses",
                                                  "wal_level",
                                                  "max_wal_senders",
                                                  "max_replication_slots",
                                                  "hot_standby",
                                                  "archive_mode",
                                                  "port",
                                                  "shared_buffers",
                                                  "max_connections",
                                                  "max_worker_processes",
                                                  "max_prepared_transactions",
                                                  "max_locks_per_transaction",
                                                  "wal_buffers",
                                                  "huge_pages",
                                                  "shared_preload_libraries"};

std::string desired_content(const StepContext& context) {
    return render_managed_conf(desired_settings(context.inventory, context.host),
                               "Replication settings for host " + context.host.name +
                                   ". Change them in the inventory and run pgrepl setup.");
}

// The settings whose line differs between two renderings of the managed file.
std::vector<ManagedSetting> changed_settings(const std::string& before,
                                             const std::vector<ManagedSetting>& after) {
    std::vector<ManagedSetting> changed;
    for (const auto& setting : after) {
        const auto line = setting.name + " = " + setting.value;
        if (before.find(line + "\n") == std::string::npos &&
            before.find(line + " ") == std::string::npos) {
            changed.push_back(setting);
        }
    }
    return changed;
}

class SettingsStep final : public Step {
  public:
    std::string_view name() const override { return "settings"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        steps::request_settings_state(inventory, host, paths, request);
    }

    Result<Check> check(const StepContext& context) override {
        const auto desired = desired_content(context);
        const auto current = context.snapshot.file(context.paths.managed_conf);
        if (current != desired) {
            const auto settings = desired_settings(context.inventory, context.host);
            const auto changed = changed_settings(current.value_or(""), settings);
            const auto restart = steps::restarts_of_file_change(context);
            auto reason = fmt::format(
                "{} {} ({} setting(s) changed{})", current ? "update" : "create",
                context.paths.managed_conf, changed.size(),
                restart.empty() ? ""
                                : fmt::format("; restart needed for {}", fmt::join(restart, ", ")));
            return Check::needed(
                reason, line_diff(current.value_or(""), desired, context.paths.managed_conf));
        }
        if (!context.snapshot.facts.cluster_running)
            return Check::done("managed settings in place (server stopped)");
        auto rows = managed_setting_rows(context.snapshot);
        if (!rows) return rows.error();
        auto files = steps::file_settings_rows(context.snapshot);
        if (!files) return files.error();
        const auto settings = desired_settings(context.inventory, context.host);
        auto unknown = missing_settings(settings, *rows);
        if (!unknown.empty()) {
            return Check::conflict(
                fmt::format("unknown parameter(s): {}", fmt::join(unknown, ", ")),
                "fix the names under postgres.settings in the inventory");
        }
        const auto judgement = judge_settings(*rows, *files, context.paths.managed_conf);
        std::vector<std::string> problems;
        bool all_invalid = true;
        for (const auto& conflict : judgement.conflicts) {
            problems.push_back(conflict.message);
            all_invalid = all_invalid && conflict.kind == ConflictKind::Invalid;
        }
        // Entries of the file in place that "could not be applied" with no restart pending:
        // either values the server rejects, or a file it has not loaded yet (a run killed
        // between the write and the reload). Only a reload tells them apart: after it, a valid
        // postmaster setting is pending a restart and a rejected one fails the re-check.
        if (!problems.empty() && all_invalid) {
            auto reload =
                Check::needed(fmt::format("reload: {} in place but not loaded? {}",
                                          context.paths.managed_conf, fmt::join(problems, "; ")));
            reload.hint = "fix the value in the inventory, then run pgrepl setup again";
            return reload;
        }
        if (!problems.empty()) {
            return Check::conflict(fmt::format("overridden: {}", fmt::join(problems, "; ")),
                                   "remove the setting from that file (for postgresql.auto.conf: "
                                   "ALTER SYSTEM RESET name), then run pgrepl setup again");
        }
        if (!judgement.pending_restart.empty()) {
            return Check::done(fmt::format("{} settings in place; {} wait(s) for the restart step",
                                           settings.size(),
                                           fmt::join(judgement.pending_restart, ", ")));
        }
        return Check::done(fmt::format("{} settings in effect", settings.size()));
    }

    Status apply(const StepContext& context, const Check&) override {
        // The file in place (the check asks for a reload): reload only.
        if (context.snapshot.file(context.paths.managed_conf) == desired_content(context))
            return steps::reload_and_wait(context, name());
        Command mkdir;
        mkdir.script = fmt::format("install -d -o postgres -g postgres -m 0755 {}",
                                   shell_quote(context.paths.conf_dir + "/conf.d"));
        mkdir.mutation = Mutation::Mutating;
        mkdir.purpose = "create conf.d";
        if (auto made = steps::run_checked(context, name(), std::move(mkdir)); !made)
            return made.error();
        FileSpec file;
        file.path = context.paths.managed_conf;
        file.content = desired_content(context);
        file.mode = 0644;
        file.owner = "postgres";
        file.group = "postgres";
        if (auto written = context.executor.write_file(file); !written) return written.error();
        if (!context.snapshot.facts.cluster_running) return ok_status();
        return steps::reload_and_wait(context, name());
    }
};

}  // namespace

namespace steps {

void request_settings_state(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                            SnapshotRequest& request) {
    const auto settings = desired_settings(inventory, host);
    request.files.push_back(paths.managed_conf);
    request.queries.emplace_back(kSettingsQuery, pg_settings_query(settings));
    request.queries.emplace_back(kFileSettingsQuery, pg_file_settings_query(settings));
}

Result<std::vector<FileSettingRow>> file_settings_rows(const HostSnapshot& snapshot) {
    return parse_pg_file_settings(snapshot.query(kFileSettingsQuery));
}

std::vector<std::string> restarts_of_file_change(const StepContext& context) {
    const auto current = context.snapshot.file(context.paths.managed_conf);
    const auto settings = desired_settings(context.inventory, context.host);
    std::vector<SettingRow> rows;
    if (context.snapshot.facts.cluster_running) {
        if (auto parsed = managed_setting_rows(context.snapshot)) rows = std::move(parsed).value();
    }
    std::vector<std::string> names;
    for (const auto& setting : changed_settings(current.value_or(""), settings)) {
        const SettingRow* row = nullptr;
        for (const auto& candidate : rows) {
            if (candidate.name == setting.name) row = &candidate;
        }
        if (row == nullptr) {
            if (kRestartParameters.count(setting.name) != 0) names.push_back(setting.name);
            continue;
        }
        // A value equal to the running one needs no restart (unknown: assume it differs).
        if (row->context == "postmaster" && setting_differs(setting, *row).value_or(true))
            names.push_back(setting.name);
    }
    return names;
}

}  // namespace steps

Result<std::vector<SettingRow>> managed_setting_rows(const HostSnapshot& snapshot) {
    return parse_pg_settings(snapshot.query(kSettingsQuery));
}

std::unique_ptr<Step> make_settings_step() {
    return std::make_unique<SettingsStep>();
}

}  // namespace pgrepl
