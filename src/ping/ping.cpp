#include "pgrepl/ping/ping.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "pgrepl/engine/snapshot.hpp"

namespace pgrepl {
namespace {

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

PingHost ping_one(const HostLink& link) {
    const Host& host = link.host();
    PingHost ping;
    ping.name = host.name;
    ping.target = fmt::format("{}@{}:{}", host.ssh.user, host.address, host.ssh.port);
    if (!link.connected()) {
        ping.state = PingState::Unreachable;
        ping.kind = to_string(link.error().kind);
        ping.problem = link.error();
        return ping;
    }
    SnapshotRequest request;
    request.purpose = "probe";
    auto snapshot = take_snapshot(*link.executor(), host, request);
    if (!snapshot) {
        ping.state = PingState::Error;
        ping.kind = to_string(snapshot.error().kind);
        ping.problem = snapshot.error();
        return ping;
    }
    const bool via_sudo = host.ssh.user != "root" && host.ssh.become == Become::Auto;
    ping.who = via_sudo ? fmt::format("sudo ok (as {})", snapshot->facts.user)
                        : fmt::format("as {}", snapshot->facts.user);
    ping.os = snapshot->facts.os;
    ping.cluster = describe_cluster(host, *snapshot);
    if (!snapshot->server_error.empty()) {
        ping.problem =
            make_host_error(ErrorKind::Remote, host.name, "ping",
                            "PostgreSQL runs but refused a query: " + snapshot->server_error);
    }
    return ping;
}

}  // namespace

std::string render_ping_text(const PingReport& report) {
    std::size_t width = 0;
    for (const auto& host : report.hosts) width = std::max(width, host.name.size());
    std::string text;
    for (const auto& host : report.hosts) {
        switch (host.state) {
            case PingState::Ok:
                text += fmt::format("{:<{}}  ok  {}  {}  {}  {}\n", host.name, width, host.target,
                                    host.who, host.os, host.cluster);
                break;
            case PingState::Unreachable:
                text += fmt::format("{:<{}}  unreachable  {}  {}\n", host.name, width, host.target,
                                    host.kind);
                break;
            case PingState::Error:
                text += fmt::format("{:<{}}  error  {}  {}\n", host.name, width, host.target,
                                    host.kind);
                break;
        }
    }
    return text;
}

ExitCode ping_exit_code(const std::vector<PingHost>& hosts) {
    for (const auto& host : hosts) {
        if (host.state == PingState::Ok) continue;
        return exit_code_for(host.problem ? host.problem->kind : ErrorKind::Internal);
    }
    return ExitCode::Ok;
}

PingReport run_ping(const Inventory& inventory, const ExecutorFactory& factory, std::ostream& out) {
    PingReport report;
    report.hosts.resize(inventory.hosts.size());
    connect_hosts(all_hosts(inventory), RunMode::Apply, factory, {},
                  [&](std::size_t i, const HostLink& link) { report.hosts[i] = ping_one(link); });
    report.exit_code = ping_exit_code(report.hosts);
    out << render_ping_text(report);
    out.flush();
    for (const auto& host : report.hosts) {
        if (!host.problem) continue;
        spdlog::error("{}", describe(*host.problem));
        if (!host.problem->hint.empty()) spdlog::error("hint: {}", host.problem->hint);
    }
    return report;
}

}  // namespace pgrepl
