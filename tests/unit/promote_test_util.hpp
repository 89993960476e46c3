// Builders shared by the promote unit tests: inventories and host states.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pgrepl/inventory/load.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/handover/state.hpp"

namespace pgrepl::promote_test {

inline constexpr const char* kSystem = "7300000000000000001";

/// Parses an inventory text, failing the test on a diagnostic.
inline Inventory inventory_from(const std::string& yaml) {
    auto loaded = parse_inventory(yaml, "inventory.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

/// db1 primary, db2 and db3 replicas at 10.0.0.1N.
inline Inventory three_hosts() {
    return inventory_from(R"(postgres: { version: 15 }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
  - { name: db3, address: 10.0.0.13, role: replica }
)");
}

/// three_hosts() plus db4, a cascading replica of db2.
inline Inventory cascading() {
    return inventory_from(R"(postgres: { version: 15 }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
  - { name: db3, address: 10.0.0.13, role: replica }
  - { name: db4, address: 10.0.0.14, role: replica, upstream: db2 }
)");
}

/// A running primary at WAL position `lsn`.
inline HandoverHostState primary(const std::string& name, const std::string& lsn = "0/5000000") {
    HandoverHostState s;
    s.name = name;
    s.reachable = s.cluster_exists = s.running = s.has_data = true;
    LiveServer server;
    server.role = LiveRole::Primary;
    server.system_identifier = kSystem;
    server.current_lsn = parse_lsn(lsn);
    server.timeline = 1;
    s.server = std::move(server);
    return s;
}

/// A running standby that received `receive`, configured to stream from `upstream_address`,
/// whose WAL receiver (when `status` is not empty) says `status`.
inline HandoverHostState standby(const std::string& name, const std::string& receive,
                                const std::string& upstream_address = "10.0.0.11",
                                const std::string& status = "") {
    HandoverHostState s;
    s.name = name;
    s.reachable = s.cluster_exists = s.running = s.has_data = s.standby_signal = true;
    LiveServer server;
    server.role = LiveRole::Standby;
    server.system_identifier = kSystem;
    server.receive_lsn = parse_lsn(receive);
    server.replay_lsn = parse_lsn(receive);
    server.timeline = 1;
    if (!status.empty()) server.receiver = LiveReceiver{status, {}, {}, {}, {}};
    server.configured_upstream = {upstream_address, 5432};
    s.server = std::move(server);
    return s;
}

/// A standby streaming from db1 (10.0.0.11) whose WAL receiver heard from it `silence_ms` ago,
/// at `heard_us` on its clock, with wal_receiver_timeout `timeout_ms`.
inline HandoverHostState hearing(const std::string& name, std::int64_t silence_ms,
                                std::int64_t heard_us = 1'000'000'000,
                                std::int64_t timeout_ms = 10'000,
                                const std::string& receive = "0/5000000") {
    auto s = standby(name, receive, "10.0.0.11", "streaming");
    s.server->receiver->silence_ms = silence_ms;
    s.server->receiver->heard_us = heard_us;
    s.server->wal_receiver_timeout_ms = timeout_ms;
    return s;
}

/// A host that could not be reached.
inline HandoverHostState down(const std::string& name) {
    HandoverHostState s;
    s.name = name;
    s.unreachable_reason = name + ": connect: timeout";
    return s;
}

/// A reachable host whose cluster is stopped; `standby_signal` makes it a stopped standby.
inline HandoverHostState stopped(const std::string& name, bool standby_signal = false) {
    HandoverHostState s;
    s.name = name;
    s.reachable = s.cluster_exists = s.has_data = true;
    s.standby_signal = standby_signal;
    s.control_system_identifier = kSystem;  // pg_controldata's
    return s;
}

}  // namespace pgrepl::promote_test
