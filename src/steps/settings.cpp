// settings: the managed drop-in conf.d/pgrepl.conf, reloaded after a change; settings that
// another file overrides are reported as conflicts.
#include <fmt/format.h>

#include <set>

#include "common.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/settings_check.hpp"
#include "pgrepl/steps/archive.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/util/diff.hpp"

namespace pgrepl {
namespace {

constexpr const char* kQuery = "settings";
// Parameters that only change at a restart (among those pgrepl manages by default).
const std::set<std::string> kRestartParameters = {
    "listen_addresses", "wal_level", "max_wal_senders", "max_replication_slots", "hot_standby",
    "archive_mode",     "port",      "shared_buffers",  "max_connections"};

std::string desired_content(const StepContext& context) {
    return render_managed_conf(desired_settings(context.inventory, context.host),
                               "Replication settings for host " + context.host.name +
                                   ". Change them in the inventory and run pgrepl setup.");
}

// The names whose line differs between two renderings of the managed file.
std::vector<std::string> changed_names(const std::string& before,
                                       const std::vector<ManagedSetting>& after) {
    std::vector<std::string> names;
    for (const auto& setting : after) {
        const auto line = setting.name + " = " + setting.value;
        if (before.find(line + "\n") == std::string::npos &&
            before.find(line + " ") == std::string::npos) {
            names.push_back(setting.name);
        }
    }
    return names;
}

class SettingsStep final : public Step {
  public:
    std::string_view name() const override { return "settings"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.files.push_back(paths.managed_conf);
        request.queries.emplace_back(kQuery, pg_settings_query(desired_settings(inventory, host)));
    }

    Result<Check> check(const StepContext& context) override {
        const auto desired = desired_content(context);
        const auto current = context.snapshot.file(context.paths.managed_conf);
        if (current != desired) {
            const auto settings = desired_settings(context.inventory, context.host);
            auto names = changed_names(current.value_or(""), settings);
            std::vector<std::string> restart;
            for (const auto& name : names) {
                if (kRestartParameters.count(name) != 0) restart.push_back(name);
            }
            auto reason = fmt::format(
                "{} {} ({} setting(s) changed{})", current ? "update" : "create",
                context.paths.managed_conf, names.size(),
                restart.empty() ? ""
                                : fmt::format("; restart needed for {}", fmt::join(restart, ", ")));
            return Check::needed(
                reason, line_diff(current.value_or(""), desired, context.paths.managed_conf));
        }
        if (!context.snapshot.facts.cluster_running)
            return Check::done("managed settings in place (server stopped)");
        auto rows = parse_pg_settings(context.snapshot.query(kQuery));
        if (!rows) return rows.error();
        const auto settings = desired_settings(context.inventory, context.host);
        auto unknown = missing_settings(settings, *rows);
        if (!unknown.empty()) {
            return Check::conflict(
                fmt::format("unknown parameter(s): {}", fmt::join(unknown, ", ")),
                "fix the names under postgres.settings in the inventory");
        }
        std::vector<std::string> problems;
        for (const auto& conflict : find_setting_conflicts(*rows, context.paths.managed_conf)) {
            // A postmaster parameter takes the file's value at the next restart (the restart
            // step's business when pending_restart says so; a value equal to the running one
            // keeps its old source until then, harmlessly).
            bool postmaster = false;
            for (const auto& row : *rows)
                postmaster =
                    postmaster || (row.name == conflict.name && row.context == "postmaster");
            if (conflict.kind == ConflictKind::NotApplied && postmaster) continue;
            problems.push_back(conflict.message);
        }
        if (!problems.empty()) {
            return Check::conflict(fmt::format("overridden: {}", fmt::join(problems, "; ")),
                                   "remove the setting from that file (for postgresql.auto.conf: "
                                   "ALTER SYSTEM RESET name), then run pgrepl setup again");
        }
        return Check::done(fmt::format("{} settings in effect", settings.size()));
    }

    Status apply(const StepContext& context, const Check&) override {
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

std::vector<ManagedSetting> desired_settings(const Inventory& inventory, const Host& host) {
    NodeSettingsInput input;
    input.version = host.postgres.version;
    input.extra = host.postgres.settings;
    // On replicas too: a promoted replica archives from its first segment on.
    const auto& archive = inventory.replication.archive;
    if (archive.method != ArchiveMethod::None) {
        input.archive_mode = true;
        input.archive_command = archive_commands(inventory, host).archive_command;
        input.archive_timeout = archive.timeout;
    }
    return managed_settings(input);
}

std::unique_ptr<Step> make_settings_step() {
    return std::make_unique<SettingsStep>();
}

}  // namespace pgrepl
