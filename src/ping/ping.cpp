#include "pgrepl/ping/ping.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "pgrepl/engine/snapshot.hpp"

namespace pgrepl {
namespace {

struct PingLine {
    bool ok = false;
    std::string text;
    std::string problem;
    std::string hint;
};

std::string describe_cluster(const Host& host, const HostSnapshot& snapshot) {
    const HostFacts& facts = snapshot.facts;
    const auto version = host.postgres.version.to_string();
    std::string text = fmt::format("postgresql-{} {}", version,
                                   facts.pg_installed ? "installed" : "not installed");
    if (!facts.cluster_exists)
        return text + fmt::format(", no cluster {}/{}", version, host.postgres.cluster_name);
    text += fmt::format(", {}/{} ", version, host.postgres.cluster_name);
    if (!facts.cluster_running) return text + "stopped";
    text += fmt::format("running on port {}", facts.cluster_port);
    const auto& server = snapshot.server;
    if (server && server->role == LiveRole::Standby) {
        const std::string sender = server->receiver ? server->receiver->sender.host : "";
        const std::string status = server->receiver ? server->receiver->status : "";
        text += fmt::format(", standby of {} ({})", sender.empty() ? "?" : sender,
                            status.empty() ? "no wal receiver" : status);
    } else if (server && server->role == LiveRole::Primary) {
        text += ", primary";
    }
    return text;
}

PingLine ping_one(const HostLink& link) {
    const Host& host = link.host();
    PingLine line;
    const auto target = fmt::format("{}@{}:{}", host.ssh.user, host.address, host.ssh.port);
    if (!link.connected()) {
        const auto& error = link.error();
        line.text = fmt::format("unreachable  {}  {}", target, to_string(error.kind));
        line.problem = error.message;
        line.hint = error.hint;
        return line;
    }
    SnapshotRequest request;
    request.purpose = "probe";
    auto facts = take_snapshot(*link.executor(), host, request);
    if (!facts) {
        line.text = fmt::format("error  {}  {}", target, to_string(facts.error().kind));
        line.problem = facts.error().message;
        line.hint = facts.error().hint;
        return line;
    }
    const bool via_sudo = host.ssh.user != "root" && host.ssh.become == Become::Auto;
    line.ok = true;
    line.text = fmt::format("ok  {}  {}  {}  {}", target,
                            via_sudo ? fmt::format("sudo ok (as {})", facts->facts.user)
                                     : fmt::format("as {}", facts->facts.user),
                            facts->facts.os, describe_cluster(host, *facts));
    if (!facts->server_error.empty()) {
        line.problem = fmt::format("{}: ping: PostgreSQL runs but refused a query: {}", host.name,
                                   facts->server_error);
    }
    return line;
}

}  // namespace

ExitCode run_ping(const Inventory& inventory, const ExecutorFactory& factory, std::ostream& out) {
    std::vector<PingLine> lines(inventory.hosts.size());
    const auto links =
        connect_hosts(all_hosts(inventory), RunMode::Apply, factory, {},
                      [&](std::size_t i, const HostLink& link) { lines[i] = ping_one(link); });

    std::size_t width = 0;
    for (const auto& host : inventory.hosts) width = std::max(width, host.name.size());
    bool all_ok = true;
    for (std::size_t i = 0; i < links.size(); ++i) {
        out << fmt::format("{:<{}}  {}\n", links[i].host().name, width, lines[i].text);
        all_ok = all_ok && lines[i].ok;
    }
    out.flush();
    for (const auto& line : lines) {
        if (line.problem.empty()) continue;
        spdlog::error("{}", line.problem);
        if (!line.hint.empty()) spdlog::error("hint: {}", line.hint);
    }
    return all_ok ? ExitCode::Ok : ExitCode::Failed;
}

}  // namespace pgrepl
