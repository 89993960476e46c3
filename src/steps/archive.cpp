// archive: what WAL archiving needs on a node before PostgreSQL uses it. Method ssh: the node's
// key pair, pinned archive host key and client script, and on the archive host (through the
// shared link) the directory, the server script and the node's restricted key. Methods wal-g
// and pgbackrest: the tool is installed. See docs/archiving.md.
#include <fmt/format.h>

#include "archive_host.hpp"
#include "common.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/steps/archive.hpp"
#include "pgrepl/util/diff.hpp"

namespace pgrepl {
namespace {

using steps::ArchiveHostPlan;

constexpr const char* kToolPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// What the node itself has (besides the files of its snapshot).
struct NodeTools {
    bool ssh = false;
    bool ssh_keygen = false;
    bool private_key = false;
};

Result<NodeTools> probe_node(const StepContext& context, std::string_view step) {
    Command command;
    command.script = fmt::format(
        "command -v ssh >/dev/null && echo ssh; command -v ssh-keygen >/dev/null && echo keygen; "
        "[ -f {} ] && echo key; true",
        shell_quote(archive_key_path(context.host)));
    command.purpose = "look for the archive key and the OpenSSH client";
    auto result = steps::run_checked(context, step, std::move(command));
    if (!result) return result.error();
    NodeTools tools;
    tools.ssh = result->out.find("ssh\n") != std::string::npos;
    tools.ssh_keygen = result->out.find("keygen\n") != std::string::npos;
    tools.private_key = result->out.find("key\n") != std::string::npos;
    return tools;
}

Result<Check> check_tool(const StepContext& context, std::string_view step, std::string tool,
                         std::string hint) {
    Command command;
    command.script = fmt::format("PATH={} command -v {} || true", kToolPath, shell_quote(tool));
    command.run_as = RunAs::Postgres;
    command.purpose = "look for " + tool;
    auto result = steps::run_checked(context, step, std::move(command));
    if (!result) return result.error();
    auto found = result->out.substr(0, result->out.find('\n'));
    if (found.empty()) {
        return Check::conflict(
            fmt::format("{} is not installed (not found in {}): archive_command '{}' would fail",
                        tool, kToolPath,
                        archive_commands(context.inventory, context.host).archive_command),
            std::move(hint));
    }
    return Check::done(fmt::format("{} found at {}", tool, found));
}

class ArchiveStep final : public Step {
  public:
    std::string_view name() const override { return "archive"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths&,
                 SnapshotRequest& request) const override {
        if (inventory.replication.archive.method != ArchiveMethod::Ssh) return;
        const auto key = archive_key_path(host);
        request.files.push_back(key + ".pub");
        request.files.push_back(key + ".known_hosts");
        request.files.push_back(kWalSshClient);
    }

    Result<Check> check(const StepContext& context) override {
        const auto& archive = context.inventory.replication.archive;
        switch (archive.method) {
            case ArchiveMethod::WalG:
                return check_tool(
                    context, name(), "wal-g",
                    fmt::format("install WAL-G on {} and configure it for the postgres user "
                                "(for instance /var/lib/postgresql/.walg.json), then run pgrepl "
                                "setup again",
                                context.host.name));
            case ArchiveMethod::PgBackRest:
                return check_tool(
                    context, name(), "pgbackrest",
                    fmt::format("apt-get install pgbackrest on {0}, configure the stanza '{1}' "
                                "(/etc/pgbackrest/pgbackrest.conf) and run `pgbackrest "
                                "--stanza={1} stanza-create` on the primary, then run pgrepl "
                                "setup again",
                                context.host.name, archive.stanza));
            case ArchiveMethod::Ssh:
                return check_ssh(context);
            case ArchiveMethod::None:
            case ArchiveMethod::Command:
                break;
        }
        return Check::done("nothing to prepare for this method");
    }

    Status apply(const StepContext& context, const Check&) override {
        if (context.inventory.replication.archive.method != ArchiveMethod::Ssh) return ok_status();
        return apply_ssh(context);
    }

  private:
    Result<Check> check_ssh(const StepContext& context) {
        const auto key = archive_key_path(context.host);
        auto tools = probe_node(context, name());
        if (!tools) return tools.error();
        if (!tools->ssh || !tools->ssh_keygen) {
            return Check::conflict(
                "the OpenSSH client (ssh, ssh-keygen) is not installed",
                fmt::format("apt-get install openssh-client on {}, then run pgrepl setup again",
                            context.host.name));
        }
        if (context.cluster.archive_host == nullptr) {
            return Check::conflict("no session to the archive host",
                                   "this is a bug in pgrepl: please report it");
        }
        auto& link = *context.cluster.archive_host;
        const auto pub = context.snapshot.file(key + ".pub");
        std::optional<std::string> public_key;
        if (pub) public_key = parse_public_key(*pub);

        auto plan = steps::plan_archive_host(context, link, public_key);
        if (!plan) return plan.error();
        if (plan->conflict) return *plan->conflict;

        std::vector<std::string> todo;
        std::string diff;
        if (!tools->private_key) {
            todo.push_back("create the postgres user's key pair " + key);
            diff += fmt::format("+ {} (ed25519 key pair of postgres, never overwritten)\n", key);
        } else if (!public_key) {
            todo.push_back("write " + key + ".pub");
            diff += fmt::format("+ {}.pub (from the private key)\n", key);
        }
        const auto target = archive_ssh_target(context.inventory, context.host);
        const auto known_hosts =
            render_archive_known_hosts(target.address, target.port, plan->host_key);
        const auto current_known = context.snapshot.file(key + ".known_hosts");
        if (current_known != known_hosts) {
            todo.push_back("pin the archive host's key in " + key + ".known_hosts");
            diff += line_diff(current_known.value_or(""), known_hosts, key + ".known_hosts");
        }
        const auto client = render_wal_ssh_client();
        const auto current_client = context.snapshot.file(kWalSshClient);
        if (current_client != client) {
            todo.push_back(
                fmt::format("{} {}", current_client ? "update" : "install", kWalSshClient));
            diff += line_diff(current_client.value_or(""), client, kWalSshClient);
        }
        for (const auto& change : plan->changes) todo.push_back(change);
        diff += plan->diff;
        if (todo.empty()) {
            return Check::done(
                fmt::format("key pair, pinned host key and client in place; "
                            "authorized on {}:{}",
                            link.host().name, context.inventory.replication.archive.path));
        }
        return Check::needed(fmt::format("{}", fmt::join(todo, "; ")), diff);
    }

    Status apply_ssh(const StepContext& context) {
        const auto key = archive_key_path(context.host);
        Command prepare;
        prepare.script = fmt::format(
            R"SH(install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/.ssh || exit 1
install -d -o root -g root -m 0755 {0} || exit 1
k={1}
if [ ! -e "$k" ]; then
  runuser -u postgres -- ssh-keygen -q -t ed25519 -N '' -C {2} -f "$k" </dev/null || exit 1
fi
if ! [ -s "$k.pub" ]; then
  runuser -u postgres -- ssh-keygen -y -f "$k" >"$k.pub.tmp" && chown postgres:postgres "$k.pub.tmp" &&
    chmod 0644 "$k.pub.tmp" && mv -f "$k.pub.tmp" "$k.pub" || exit 1
fi
head -n 1 "$k.pub")SH",
            shell_quote(kWalSshDir), shell_quote(key),
            shell_quote("pgrepl archive key of postgres@" + context.host.name));
        prepare.mutation = Mutation::Mutating;
        prepare.purpose = "create the archive key pair (if missing)";
        auto prepared = steps::run_checked(context, name(), std::move(prepare));
        if (!prepared) return prepared.error();
        const auto public_key = parse_public_key(prepared->out);
        if (!public_key) {
            return make_host_error(ErrorKind::Remote, context.host.name, std::string(name()),
                                   key + ".pub holds no public key",
                                   fmt::format("remove {0} and {0}.pub on {1} (pgrepl creates them "
                                               "again), then run pgrepl setup again",
                                               key, context.host.name));
        }

        FileSpec client;
        client.path = kWalSshClient;
        client.content = render_wal_ssh_client();
        client.mode = 0755;
        if (auto written = context.executor.write_file(client); !written) return written;

        auto& link = *context.cluster.archive_host;
        auto host_key = steps::apply_archive_host(context, link, *public_key);
        if (!host_key) return host_key.error();

        const auto target = archive_ssh_target(context.inventory, context.host);
        FileSpec known;
        known.path = key + ".known_hosts";
        known.content = render_archive_known_hosts(target.address, target.port, *host_key);
        known.mode = 0644;
        known.owner = "postgres";
        known.group = "postgres";
        if (auto written = context.executor.write_file(known); !written) return written;

        Command ping;
        ping.script = fmt::format("{} ping {} {} {}", shell_quote(kWalSshClient),
                                  shell_quote(target.address), target.port, shell_quote(key));
        ping.run_as = RunAs::Postgres;
        ping.purpose = "test the archive connection as postgres";
        auto pinged = context.executor.run(ping);
        if (!pinged) return pinged.error();
        if (!pinged->success() || pinged->out.find("ok") == std::string::npos) {
            // ssh's own words say best what went wrong (host key, key refused, directory).
            std::vector<std::string> lines;
            std::size_t start = 0;
            const auto& err = pinged->err;
            while (start < err.size()) {
                auto end = err.find('\n', start);
                if (end == std::string::npos) end = err.size();
                auto line = err.substr(start, end - start);
                if (!line.empty() && line.find("@@@") == std::string::npos) lines.push_back(line);
                start = end + 1;
            }
            if (lines.size() > 6) lines.erase(lines.begin(), lines.end() - 6);
            return make_host_error(
                ErrorKind::Remote, context.host.name, std::string(name()),
                fmt::format("the test connection to the archive on {} failed: {}", link.host().name,
                            lines.empty() ? "no error output" : lines.back()),
                fmt::format("as postgres on {}: {}\n{}look at {}'s sshd log, fix the cause, "
                            "then run pgrepl setup again",
                            context.host.name, ping.script,
                            lines.empty() ? "" : fmt::format("{}\n", fmt::join(lines, "\n")),
                            link.host().name));
        }
        return ok_status();
    }
};

}  // namespace

std::unique_ptr<Step> make_archive_step() {
    return std::make_unique<ArchiveStep>();
}

}  // namespace pgrepl
