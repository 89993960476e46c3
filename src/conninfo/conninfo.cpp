// `pgrepl conninfo`: read each host's live role (the engine's lean snapshot: one read-only
// round trip, no lock), order the hosts by the live topology and print the string.
#include <spdlog/spdlog.h>

#include "pgrepl/conninfo/conninfo.hpp"
#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {
namespace {

/// One read-only session as postgres: the server query only.
SnapshotRequest role_request() {
    SnapshotRequest request;
    request.depth = FactsDepth::Lean;
    request.run_as = RunAs::Postgres;
    request.session = QuerySession::ReadOnly;
    request.application_name = "pgrepl-conninfo";
    request.purpose = "read the live role";
    return request;
}

}  // namespace

ExitCode run_conninfo(const Inventory& inventory, const ConninfoOptions& options,
                      const ExecutorFactory& factory, std::ostream& out) {
    auto login = application_login(inventory, options.user, options.database);
    if (!login) {
        spdlog::error("{}", describe(login.error()));
        return exit_code_for(login.error().kind);
    }
    std::vector<LiveHost> hosts(inventory.hosts.size());
    std::vector<std::optional<Error>> problems(inventory.hosts.size());
    ConnectOptions connect;
    connect.reach = options.reach;
    connect_hosts(
        all_hosts(inventory), RunMode::Check, factory, connect, [&](std::size_t i, HostLink& link) {
            hosts[i].host = &inventory.hosts[i];
            if (!link.connected()) {
                problems[i] = link.error();
                return;
            }
            auto snapshot = take_snapshot(*link.executor(), inventory.hosts[i], role_request());
            if (!snapshot) {
                problems[i] = snapshot.error();
                return;
            }
            hosts[i].answered = true;
            hosts[i].running = snapshot->server.has_value();
            hosts[i].server = snapshot->server;
        });
    const auto topology = live_topology(inventory, hosts);
    if (topology.split_brain()) {
        std::string names;
        for (auto i : topology.primaries)
            names += (names.empty() ? "" : ", ") + inventory.hosts[i].name;
        spdlog::error(
            "split brain: {} all run as primaries: no connection string is safe to "
            "hand out",
            names);
        spdlog::error("hint: run pgrepl verify, then fence or rejoin all primaries but one");
        return ExitCode::Failed;
    }
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (!topology.nodes[i].member) {
            spdlog::warn("{}: another cluster's server (system identifier {}): left out",
                         inventory.hosts[i].name,
                         hosts[i].server ? hosts[i].server->system_identifier : "?");
        } else if (problems[i]) {
            spdlog::warn("{} (kept last in the string)", describe(*problems[i]));
        } else if (!hosts[i].running) {
            spdlog::warn("{}: PostgreSQL does not answer (kept last in the string)",
                         inventory.hosts[i].name);
        }
    }
    if (!topology.primary) spdlog::warn("no live primary: the hosts are in inventory order");
    ConninfoSpec spec;
    spec.user = login->first;
    spec.database = login->second;
    spec.purpose = options.purpose;
    for (auto i : conninfo_order(topology, options.purpose)) {
        const Host& host = inventory.hosts[i];
        spec.servers.push_back({host.address, host.postgres.port});
    }
    out << render_conninfo(spec, options.format);
    out.flush();
    return ExitCode::Ok;
}

}  // namespace pgrepl
