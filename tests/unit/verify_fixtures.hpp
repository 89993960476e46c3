// Fixtures for the verify unit tests: a small inventory and the gathered state of healthy
// primaries and standbys, which each test then breaks in its own way.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/steps/steps.hpp"
#include "pgrepl/verify/assess.hpp"
#include "pgrepl/verify/probe.hpp"
#include "pgrepl/verify/state.hpp"
#include "pgrepl/verify/topology.hpp"

namespace pgrepl::test {

/// The system identifier of the fixtures' cluster.
inline const std::string kSystemId = "7300000000000000001";

/// An inventory "lab" of `hosts` hosts: db1 (10.0.0.11) the primary, db2.. replicas; PG 15.
inline Inventory verify_inventory(int hosts = 3, bool slots = true) {
    Inventory inventory;
    inventory.path = "/tmp/lab.yaml";
    inventory.cluster = "lab";
    inventory.replication.slots = slots;
    for (int i = 1; i <= hosts; ++i) {
        Host host;
        host.name = "db" + std::to_string(i);
        host.address = "10.0.0." + std::to_string(10 + i);
        host.role = i == 1 ? Role::Primary : Role::Replica;
        inventory.hosts.push_back(host);
    }
    return inventory;
}

/// pg_settings rows saying that every managed setting of `host` comes from the managed file.
inline std::vector<SettingRow> settings_in_effect(const Inventory& inventory, const Host& host) {
    std::vector<SettingRow> rows;
    int line = 2;
    for (const auto& setting : desired_settings(inventory, host)) {
        rows.push_back({setting.name, setting.value, "", "postmaster", "configuration file",
                        cluster_paths(host).managed_conf, ++line, false});
    }
    return rows;
}

/// A healthy primary at `lsn` with streaming walsenders (and active slots) for `replicas`.
inline HostState primary_state(const Inventory& inventory, const std::string& name,
                               const std::vector<std::string>& replicas,
                               const std::string& lsn = "0/5000000") {
    HostState state;
    state.host = inventory.find_host(name);
    state.accepting = true;
    state.settings = settings_in_effect(inventory, *state.host);
    state.processes.postmaster_pid = 50;
    LiveServer server;
    server.role = LiveRole::Primary;
    server.system_identifier = kSystemId;
    server.current_lsn = parse_lsn(lsn);
    server.clock_epoch = 1700000000.0;
    server.server_version_num = 150004;
    state.server = server;
    int pid = 100;
    for (const auto& replica : replicas) {
        const Host* host = inventory.find_host(replica);
        ReplicationRow row;
        row.pid = ++pid;
        row.application_name = replica;
        row.client_addr = host != nullptr ? host->address : "";
        row.state = "streaming";
        row.sent_lsn = row.write_lsn = row.flush_lsn = row.replay_lsn = lsn;
        row.sync_state = "async";
        row.replay_lag_bytes = 0;
        state.replication.push_back(row);
        state.processes.walsenders.push_back(
            {pid, "replicator", row.client_addr + "(40000)", "streaming"});
        state.slots.push_back({replica, "physical", true, lsn, "reserved", ""});
    }
    return state;
}

/// A healthy standby of `upstream`, replayed up to `lsn`.
inline HostState standby_state(const Inventory& inventory, const std::string& name,
                               const std::string& upstream, const std::string& lsn = "0/5000000") {
    HostState state;
    state.host = inventory.find_host(name);
    state.accepting = true;
    state.settings = settings_in_effect(inventory, *state.host);
    state.processes.postmaster_pid = 60;
    state.processes.walreceiver = WalReceiverProcess{70, "streaming"};
    LiveServer server;
    server.role = LiveRole::Standby;
    server.system_identifier = kSystemId;
    server.receive_lsn = parse_lsn(lsn);
    server.replay_lsn = parse_lsn(lsn);
    server.replay_paused = false;
    server.replay_age_seconds = 1.5;
    server.clock_epoch = 1700000000.0;
    server.server_version_num = 150004;
    state.server = server;
    WalReceiverInfo receiver;
    receiver.status = "streaming";
    receiver.sender_host = inventory.find_host(upstream)->address;
    receiver.sender_port = 5432;
    receiver.received_lsn = lsn;
    receiver.slot_name = name;
    state.receiver = receiver;
    return state;
}

/// The healthy 1+2 cluster: db1 primary, db2 and db3 its standbys.
inline std::vector<HostState> healthy_states(const Inventory& inventory) {
    return {primary_state(inventory, "db1", {"db2", "db3"}), standby_state(inventory, "db2", "db1"),
            standby_state(inventory, "db3", "db1")};
}

/// A probe outcome where every planned standby replayed in `ms`.
inline ProbeOutcome replayed_probe(const LiveTopology& topology,
                                   const std::vector<HostState>& states, double ms = 3) {
    ProbeOutcome outcome;
    outcome.hosts.resize(states.size());
    const ProbePlan plan = plan_probe(topology, states);
    for (const auto& [index, reason] : plan.skipped) {
        outcome.hosts[index].status = ProbeStatus::Skipped;
        outcome.hosts[index].detail = reason;
    }
    outcome.primary = plan.primary;
    if (!plan.primary) {
        outcome.error = "there is no live primary";
        return outcome;
    }
    outcome.emission = ProbeEmission{1700000000.0, "0/5000100"};
    for (std::size_t index : plan.standbys) {
        outcome.hosts[index].status = ProbeStatus::Replayed;
        outcome.hosts[index].ms = ms;
    }
    return outcome;
}

/// Discovers, probes (everything replays) and assesses.
inline VerifyReport assess_states(const Inventory& inventory, std::vector<HostState> states,
                                  const VerifyThresholds& thresholds = {}) {
    const LiveTopology topology = live_topology(inventory, live_hosts(states));
    const ProbeOutcome probe = replayed_probe(topology, states);
    return assess(inventory, std::move(states), topology, probe, thresholds);
}

/// The report of a healthy cluster (healthy_states()).
inline VerifyReport healthy_report(const Inventory& inventory) {
    return assess_states(inventory, healthy_states(inventory));
}

/// The report of a cluster whose third host (db3) runs no WAL receiver, `log_tail` its log.
inline VerifyReport no_receiver_report(const Inventory& inventory,
                                       std::vector<std::string> log_tail = {}) {
    auto states = healthy_states(inventory);
    states[2].receiver.reset();
    states[2].processes.walreceiver.reset();
    states[2].log_tail = std::move(log_tail);
    return assess_states(inventory, std::move(states));
}

/// The report of host `name` (throws when there is none: a bug in the test).
inline const HostReport& host_report(const VerifyReport& report, const std::string& name) {
    for (const auto& host : report.hosts) {
        if (host.host().name == name) return host;
    }
    throw std::runtime_error("no host " + name);
}

/// The failed/warning checks of the report as "host:check" strings.
inline std::vector<std::string> problem_keys(const VerifyReport& report) {
    std::vector<std::string> keys;
    for (const auto& problem : report.problems())
        keys.push_back(problem.host + ":" + problem.check);
    return keys;
}

/// What verify's pg_settings query prints when every managed setting of `host` is
/// in effect.
inline std::string settings_output(const Inventory& inventory, const Host& host) {
    std::string out;
    for (const auto& row : settings_in_effect(inventory, host)) {
        out += row.name + "|" + row.setting + "||" + row.context + "|" + row.source + "|" +
               row.sourcefile + "|" + std::to_string(row.sourceline) + "|f\n";
    }
    return out;
}

/// A live_server_sql() row from verify's nine server fields "in_recovery|system_identifier|
/// current_lsn|receive_lsn|replay_lsn|replay_age|replay_paused|clock|version" (no newline):
/// timeline 1, no WAL receiver fields, with the newline.
inline std::string server_row(const std::string& nine) {
    std::vector<std::string> f;
    std::size_t start = 0;
    while (true) {
        const auto bar = nine.find('|', start);
        f.push_back(nine.substr(start, bar == std::string::npos ? bar : bar - start));
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    f.resize(9);
    return f[0] + "|" + f[1] + "|1|" + f[2] + "|" + f[3] + "|" + f[4] + "|" + f[5] + "|" + f[6] +
           "|" + f[7] + "|" + f[8] + "|2026-11-26 00:00:00+00|60000||||||||\n";
}

}  // namespace pgrepl::test
