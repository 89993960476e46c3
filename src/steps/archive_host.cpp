#include "archive_host.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/util/diff.hpp"

namespace pgrepl::steps {
namespace {

constexpr const char* kDirOwner = "postgres:postgres 700";
// A cleanup marker that keeps every segment (a replica that has not reported a restartpoint).
constexpr const char* kKeepEverything = "000000000000000000000000";

std::string label(const HostLink& link, const std::string& path) {
    return link.host().name + ":" + path;
}

Result<ArchiveHostState> read_state(const StepContext& context, Executor& executor) {
    Command command;
    command.script = archive_host_state_script(context.inventory.replication.archive.path);
    command.purpose = "read the archive host's state";
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        return make_host_error(ErrorKind::Remote, context.host.name, "archive",
                               fmt::format("reading the archive host {} failed (exit {}): {}",
                                           executor.host_name(), result->exit_status, result->err),
                               "run with -vv to see the remote command");
    }
    return parse_archive_host_state(result->out);
}

std::vector<std::string> node_names(const Inventory& inventory) {
    std::vector<std::string> names;
    for (const auto& host : inventory.hosts) names.push_back(host.name);
    return names;
}

bool has_marker(const ArchiveHostState& state, const std::string& node) {
    return std::find(state.cleanup_markers.begin(), state.cleanup_markers.end(), node) !=
           state.cleanup_markers.end();
}

std::vector<std::string> stale_markers(const Inventory& inventory, const ArchiveHostState& state) {
    std::vector<std::string> stale;
    for (const auto& marker : state.cleanup_markers) {
        if (inventory.find_host(marker) == nullptr) stale.push_back(marker);
    }
    return stale;
}

bool unusable_shell(const std::string& shell) {
    return shell.ends_with("/nologin") || shell.ends_with("/false");
}

// The archive host's link could not be opened.
Error unconnected(const StepContext& context, const HostLink& link) {
    return make_host_error(
        ErrorKind::Connect, context.host.name, "archive",
        fmt::format("archive host {}: {}", link.host().name, describe(link.error())),
        link.error().hint);
}

// The archive host's key that the link's session was shown and verified with (never read from
// the archive host's files: its sshd may serve another one).
Result<std::string> verified_host_key(const StepContext& context, const Executor& executor) {
    auto key = executor.host_key();
    if (!key) {
        return make_host_error(key.error().kind, context.host.name, "archive",
                               describe(key.error()), key.error().hint);
    }
    if (!parse_public_key(*key)) {
        return make_host_error(
            ErrorKind::HostKey, context.host.name, "archive",
            fmt::format("the archive host {} showed a host key that cannot be pinned in "
                        "known_hosts ({})",
                        executor.host_name(), key->substr(0, key->find(' '))),
            "give its sshd a plain host key (HostKey with an ed25519, ECDSA or RSA key)");
    }
    return key;
}

ArchiveHostPlan plan(const StepContext& context, const HostLink& link, ArchiveHostState state,
                     std::string host_key, const std::optional<std::string>& public_key) {
    const auto& dir = context.inventory.replication.archive.path;
    const auto& archive = link.host().name;
    ArchiveHostPlan plan;
    plan.host_key = std::move(host_key);
    if (state.postgres_user && unusable_shell(state.postgres_shell)) {
        plan.conflict = Check::conflict(
            fmt::format("the postgres user of the archive host {} has the login shell {}: sshd "
                        "cannot run the archive's forced command",
                        archive, state.postgres_shell),
            fmt::format("give postgres a shell on {} (usermod -s /bin/sh postgres), then run "
                        "pgrepl setup again",
                        archive));
    }
    if (!state.postgres_user) {
        plan.changes.push_back(fmt::format("create the postgres user on {}", archive));
        plan.diff +=
            fmt::format("+ {}: system user postgres (home /var/lib/postgresql)\n", archive);
    } else if (state.postgres_locked && !state.use_pam) {
        plan.changes.push_back(
            fmt::format("unlock postgres for key logins on {} (sshd has UsePAM no)", archive));
        plan.diff += fmt::format(
            "~ {}: postgres password field '!...' -> '*' (still no password)\n", archive);
    }
    if (state.dir_owner != kDirOwner) {
        plan.changes.push_back(
            state.dir_owner ? fmt::format("fix {} (was {})", label(link, dir), *state.dir_owner)
                            : fmt::format("create {}", label(link, dir)));
        plan.diff +=
            fmt::format("{} {} ({})\n", state.dir_owner ? "~" : "+", label(link, dir), kDirOwner);
    }
    const auto server = render_wal_ssh_server();
    if (state.server_script != server) {
        plan.changes.push_back(fmt::format("{} {}", state.server_script ? "update" : "install",
                                           label(link, kWalSshServer)));
        plan.diff +=
            line_diff(state.server_script.value_or(""), server, label(link, kWalSshServer));
    }
    const auto& node = context.host.name;
    const auto current = state.authorized_keys.value_or("");
    if (public_key) {
        const auto line = render_archive_authorized_key(node, dir, *public_key);
        const auto merged =
            merge_authorized_keys(current, dir, {{node, line}}, node_names(context.inventory));
        if (merged != current || !state.authorized_keys) {
            plan.changes.push_back(fmt::format("authorize {}'s key on {}", node, archive));
            plan.diff += line_diff(current, merged, label(link, state.authorized_keys_path));
        }
    } else {
        plan.changes.push_back(fmt::format("authorize {}'s new key on {}", node, archive));
        plan.diff += fmt::format("+ {}: restricted key of {} (forced command {})\n",
                                 label(link, state.authorized_keys_path), node, kWalSshServer);
    }
    // Cleanup markers (docs/archiving.md): a replica holds back the cleanup from setup on (its
    // first restartpoint replaces the "keep everything" value); a primary does not.
    const bool replica = context.host.role == Role::Replica;
    if (replica && !has_marker(state, node)) {
        plan.changes.push_back(fmt::format("register {} for archive cleanup", node));
        plan.diff +=
            fmt::format("+ {}/.pgrepl-keep-{} ({})\n", label(link, dir), node, kKeepEverything);
    } else if (!replica && has_marker(state, node)) {
        plan.changes.push_back(
            fmt::format("drop {}'s archive cleanup marker (it is the primary)", node));
        plan.diff += fmt::format("- {}/.pgrepl-keep-{}\n", label(link, dir), node);
    }
    // A host removed from the inventory would hold back the cleanup forever.
    for (const auto& stale : stale_markers(context.inventory, state)) {
        plan.changes.push_back(
            fmt::format("drop the archive cleanup marker of {} (not in the inventory)", stale));
        plan.diff += fmt::format("- {}/.pgrepl-keep-{}\n", label(link, dir), stale);
    }
    plan.state = std::move(state);
    return plan;
}

Status run_admin(const StepContext& context, Executor& executor, std::string script,
                 std::string purpose) {
    Command command;
    command.script = std::move(script);
    command.mutation = Mutation::Mutating;
    command.purpose = std::move(purpose);
    auto result = executor.run(command);
    if (!result) return result.error();
    if (!result->success()) {
        return make_host_error(
            ErrorKind::Remote, context.host.name, "archive",
            fmt::format("on the archive host {}: {} failed (exit {}): {}", executor.host_name(),
                        command.purpose, result->exit_status, result->err),
            "run with -vv to see the remote command");
    }
    return ok_status();
}

}  // namespace

Result<ArchiveHostPlan> plan_archive_host(const StepContext& context, HostLink& link,
                                          const std::optional<std::string>& public_key) {
    const auto lock = link.lock();
    if (!link.connected()) return unconnected(context, link);
    auto host_key = verified_host_key(context, *link.executor());
    if (!host_key) return host_key.error();
    auto state = read_state(context, *link.executor());
    if (!state) return state.error();
    return plan(context, link, std::move(state).value(), std::move(host_key).value(), public_key);
}

Result<std::string> apply_archive_host(const StepContext& context, HostLink& link,
                                       const std::string& public_key) {
    const auto lock = link.lock();
    if (!link.connected()) return unconnected(context, link);
    Executor& executor = *link.executor();
    const auto& dir = context.inventory.replication.archive.path;
    auto host_key = verified_host_key(context, executor);
    if (!host_key) return host_key.error();
    auto state = read_state(context, executor);
    if (!state) return state.error();
    if (!state->postgres_user) {
        // As postgresql-common creates it, so that a later PostgreSQL installation adopts it.
        auto made =
            run_admin(context, executor,
                      "if command -v adduser >/dev/null; then adduser --system --quiet --home "
                      "/var/lib/postgresql --no-create-home --shell /bin/bash --group --gecos "
                      "'PostgreSQL administrator' postgres; else useradd --system --user-group "
                      "--home-dir /var/lib/postgresql --shell /bin/bash postgres; fi || exit 1\n"
                      "[ -d /var/lib/postgresql ] || install -d -o postgres -g postgres -m 0755 "
                      "/var/lib/postgresql",
                      "create the postgres user");
        if (!made) return made.error();
        state = read_state(context, executor);
        if (!state) return state.error();
    }
    auto planned =
        plan(context, link, std::move(state).value(), std::move(host_key).value(), public_key);
    if (planned.conflict) {
        return make_host_error(ErrorKind::Conflict, context.host.name, "archive",
                               planned.conflict->reason, planned.conflict->hint);
    }
    const auto& current = planned.state;
    std::string script;
    if (current.postgres_locked && !current.use_pam)
        script += "usermod -p '*' postgres || exit 1\n";
    if (current.dir_owner != kDirOwner) {
        script += fmt::format(
            "install -d -o postgres -g postgres -m 0700 {0} && chown postgres:postgres {0} && "
            "chmod 0700 {0} || exit 1\n",
            shell_quote(dir));
    }
    script +=
        fmt::format("install -d -o root -g root -m 0755 {} || exit 1\n", shell_quote(kWalSshDir));
    const auto& akf = current.authorized_keys_path;
    const auto parent = akf.substr(0, akf.rfind('/'));
    if (!current.postgres_home.empty() && parent.rfind(current.postgres_home + "/", 0) == 0) {
        script += fmt::format("install -d -o postgres -g postgres -m 0700 {} || exit 1\n",
                              shell_quote(parent));
    }
    const auto marker = shell_quote(dir + "/.pgrepl-keep-" + context.host.name);
    const bool replica = context.host.role == Role::Replica;
    if (replica && !has_marker(current, context.host.name)) {
        script += fmt::format(
            "printf '%s\\n' {0} >{1}.tmp && chown postgres:postgres {1}.tmp && mv -f {1}.tmp {1} "
            "|| exit 1\n",
            kKeepEverything, marker);
    } else if (!replica && has_marker(current, context.host.name)) {
        script += fmt::format("rm -f {}\n", marker);
    }
    for (const auto& stale : stale_markers(context.inventory, current))
        script += fmt::format("rm -f {}\n", shell_quote(dir + "/.pgrepl-keep-" + stale));
    if (auto done = run_admin(context, executor, script, "prepare the archive directory"); !done)
        return done.error();

    const auto server = render_wal_ssh_server();
    if (current.server_script != server) {
        FileSpec file;
        file.path = kWalSshServer;
        file.content = server;
        file.mode = 0755;
        if (auto written = executor.write_file(file); !written) return written.error();
    }
    const auto line = render_archive_authorized_key(context.host.name, dir, public_key);
    const auto before = current.authorized_keys.value_or("");
    const auto merged = merge_authorized_keys(before, dir, {{context.host.name, line}},
                                              node_names(context.inventory));
    if (merged != before || !current.authorized_keys) {
        FileSpec file;
        file.path = akf;
        file.content = merged;
        file.mode = 0600;
        file.owner = "postgres";
        file.group = "postgres";
        if (auto written = executor.write_file(file); !written) return written.error();
    }
    return planned.host_key;
}

}  // namespace pgrepl::steps
