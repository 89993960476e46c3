// patroni-config, start.conf and patroni: Patroni's configuration, the OS's hands off the
// cluster, and Patroni taking over the running server.
#include <fmt/format.h>

#include <regex>
#include <sstream>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/util/diff.hpp"
#include "services.hpp"

namespace pgrepl {
namespace {

// The text with every `password:` value shown as ********, for diffs.
std::string redacted(const std::string& text) {
    static const std::regex password(R"(^(\s*password:).*$)", std::regex::multiline);
    return std::regex_replace(text, password, "$1 \"********\"");
}

bool patroni_runs(const StepContext& context) {
    return patroni_runs(context.snapshot, context.host);
}

class PatroniConfigStep final : public Step {
  public:
    explicit PatroniConfigStep(std::string restapi_password)
        : restapi_password_(std::move(restapi_password)) {}

    std::string_view name() const override { return "patroni-config"; }

    void request(const Inventory&, const Host& host, const ClusterPaths&,
                 SnapshotRequest& request) const override {
        request.files.push_back(patroni_config_path(host));
        request_service_facts(request);
    }

    Result<Check> check(const StepContext& context) override {
        const std::string path = patroni_config_path(context.host);
        const auto current = context.snapshot.file(path);
        if (current == wanted(context)) return Check::done(path + " as rendered");
        std::string diff =
            line_diff(redacted(current.value_or("")), redacted(wanted(context)), path);
        if (diff.empty()) diff = "  (a password changed)\n";
        return Check::needed(fmt::format("write {} (0600, postgres){}", path,
                                         patroni_runs(context) ? " and reload Patroni" : ""),
                             diff);
    }

    Status apply(const StepContext& context, const Check&) override {
        Command mkdir;
        mkdir.script = "install -d -m 0755 /etc/patroni";
        mkdir.mutation = Mutation::Mutating;
        mkdir.purpose = "create /etc/patroni";
        if (auto made = run_checked(context, name(), std::move(mkdir)); !made) return made.error();
        FileSpec file{
            patroni_config_path(context.host), wanted(context), 0600, "postgres", "postgres", true};
        if (auto written = context.executor.write_file(file); !written) return written;
        if (!patroni_runs(context)) return ok_status();
        Command reload;
        reload.script =
            handoff::patroni_reload_script(service_manager_of(context.snapshot), context.host);
        reload.mutation = Mutation::Mutating;
        reload.purpose = "reload Patroni";
        if (auto reloaded = run_checked(context, name(), std::move(reload)); !reloaded)
            return reloaded.error();
        return ok_status();
    }

  private:
    std::string wanted(const StepContext& context) const {
        return render_patroni_config(context.inventory, context.host,
                                     PatroniSecrets{context.password, restapi_password_});
    }

    std::string restapi_password_;
};

// The start.conf word: its first line that is neither empty nor a comment.
std::string start_word(const std::string& content) {
    std::istringstream lines(content);
    for (std::string line; std::getline(lines, line);) {
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        const auto last = line.find_last_not_of(" \t\r");
        return line.substr(first, last - first + 1);
    }
    return "auto";  // postgresql-common's default
}

class StartConfStep final : public Step {
  public:
    std::string_view name() const override { return "start.conf"; }

    void request(const Inventory&, const Host&, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.files.push_back(paths.start_conf);
        request_service_facts(request);
    }

    Result<Check> check(const StepContext& context) override {
        if (!context.snapshot.facts.cluster_exists) {
            return Check::conflict(
                fmt::format("no cluster {} on this host", context.paths.conf_dir),
                "run pgrepl setup first: handoff takes over a running cluster");
        }
        const auto current = context.snapshot.file(context.paths.start_conf).value_or("");
        const std::string word = start_word(current);
        if (word == "manual") return Check::done("manual: Patroni starts the cluster, not the OS");
        return Check::needed(fmt::format("{} -> manual (patroni@{} starts it, not postgresql@{})",
                                         word, handoff::patroni_instance(context.host),
                                         handoff::patroni_instance(context.host)),
                             line_diff(current, content(context), context.paths.start_conf));
    }

    Status apply(const StepContext& context, const Check&) override {
        FileSpec file{context.paths.start_conf, content(context), 0644, "postgres", "postgres"};
        if (auto written = context.executor.write_file(file); !written) return written;
        if (service_manager_of(context.snapshot) != ServiceManager::Systemd) return ok_status();
        Command reload;
        reload.script = "systemctl daemon-reload";
        reload.mutation = Mutation::Mutating;
        reload.purpose = "systemctl daemon-reload";
        if (auto done = run_checked(context, name(), std::move(reload)); !done) return done.error();
        return ok_status();
    }

  private:
    static std::string content(const StepContext& context) {
        return fmt::format(
            "# Managed by pgrepl (handoff patroni): patroni@{} starts this cluster.\n"
            "# pgrepl handoff patroni --undo (docs/patroni.md) sets it back to auto.\nmanual\n",
            handoff::patroni_instance(context.host));
    }
};

class PatroniStep final : public Step {
  public:
    std::string_view name() const override { return "patroni"; }

    void request(const Inventory&, const Host&, const ClusterPaths& paths,
                 SnapshotRequest& request) const override {
        request.files.push_back(paths.standby_conf);
        request_service_facts(request);
    }

    Result<Check> check(const StepContext& context) override {
        const auto& facts = context.snapshot.facts;
        const std::string cluster =
            context.host.postgres.version.to_string() + "/" + context.host.postgres.cluster_name;
        if (!facts.cluster_exists) {
            return Check::conflict("no cluster " + cluster + " on this host",
                                   "run pgrepl setup first: handoff takes over a running cluster");
        }
        if (context.host.postgres.version.number() < 1200) {
            return Check::conflict(
                "handoff supports PostgreSQL 12 and later (its standbys' settings in "
                "postgresql.conf)",
                "upgrade the cluster first, or configure Patroni by hand (docs/patroni.md)");
        }
        const bool standby_file = context.snapshot.file(context.paths.standby_conf).has_value();
        const LiveRole role = role_of(context);
        if (patroni_runs(context)) {
            if (!facts.cluster_running)
                return Check::needed("wait until Patroni has started " + cluster);
            if (standby_file && role != LiveRole::Primary) {
                return Check::needed("remove " + context.paths.standby_conf +
                                     ": Patroni writes the standby's settings");
            }
            return Check::done(fmt::format("Patroni runs {} as the {}", cluster,
                                           role == LiveRole::Primary ? "primary" : "standby"));
        }
        if (!facts.cluster_running) {
            return Check::needed("start Patroni: it starts " + cluster +
                                 " as a standby of its leader (pg_rewind first when it diverged)");
        }
        if (role == LiveRole::Primary) {
            return Check::needed("start Patroni: it takes over the running primary " + cluster +
                                 " and its leader key (PostgreSQL keeps running)");
        }
        return Check::needed("start Patroni: it takes over the running standby " + cluster +
                             " (PostgreSQL keeps running; Patroni writes its standby settings)");
    }

    Status apply(const StepContext& context, const Check&) override {
        const LiveRole role = role_of(context);
        std::string script;
        if (role != LiveRole::Primary && context.snapshot.file(context.paths.standby_conf))
            script += "rm -f " + shell_quote(context.paths.standby_conf) + " && ";
        if (!patroni_runs(context)) {
            script +=
                handoff::patroni_start_script(service_manager_of(context.snapshot), context.host) +
                " && ";
        }
        const std::string endpoint = role == LiveRole::Primary ? "primary" : "replica";
        const std::string url = patroni_rest_url(context.inventory, context.host, endpoint);
        script += wait_http_ok_script(url, kWaitSeconds);
        Command command;
        command.script = std::move(script);
        command.mutation = Mutation::Mutating;
        command.purpose = "start Patroni and wait for /" + endpoint;
        auto done = run_checked(context, name(), std::move(command));
        if (!done) {
            auto error = done.error();
            error.hint =
                service_manager_of(context.snapshot) == ServiceManager::Systemd
                    ? "see journalctl -u patroni@" + handoff::patroni_instance(context.host)
                    : "see " + handoff::patroni_log_file(context.host) + " on the host";
            return error;
        }
        return ok_status();
    }

  private:
    static constexpr int kWaitSeconds = 120;

    static LiveRole role_of(const StepContext& context) {
        return context.snapshot.server ? context.snapshot.server->role : LiveRole::Unknown;
    }
};

}  // namespace

std::unique_ptr<Step> make_patroni_config_step(std::string restapi_password) {
    return std::make_unique<PatroniConfigStep>(std::move(restapi_password));
}

std::unique_ptr<Step> make_start_conf_step() {
    return std::make_unique<StartConfStep>();
}

std::unique_ptr<Step> make_patroni_step() {
    return std::make_unique<PatroniStep>();
}

}  // namespace pgrepl
