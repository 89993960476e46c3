// Promote's state gathering (parsing of the snapshot) and the scripts of its remote actions.
#include <gtest/gtest.h>

#include "pgrepl/handover/actions.hpp"
#include "pgrepl/handover/state.hpp"
#include "promote_test_util.hpp"

namespace pgrepl::promote_test {
namespace {

// Splits a '|'-separated row (the last field may be empty).
std::vector<std::string> fields_of(const std::string& row) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    const std::string line = row.substr(0, row.find('\n'));
    while (true) {
        const auto bar = line.find('|', start);
        fields.push_back(line.substr(start, bar == std::string::npos ? bar : bar - start));
        if (bar == std::string::npos) return fields;
        start = bar + 1;
    }
}

// A snapshot whose live_server_sql() answer is made of promote's fields: `state` is
// in_recovery|current_lsn|receive_lsn|replay_lsn|timeline|replay_paused|receiver_status|
// primary_conninfo, `receiver` is silence_ms|heard_us|wal_receiver_timeout_ms.
HostSnapshot snapshot_with(const std::string& state, LiveRole role = LiveRole::Standby,
                           const std::string& receiver = "||\n") {
    HostSnapshot snapshot;
    snapshot.facts.cluster_exists = true;
    snapshot.facts.cluster_running = true;
    snapshot.facts.data_dir_has_pg_version = true;
    snapshot.facts.system_identifier = kSystem;
    snapshot.facts.data_directory = "/srv/pg/15/main";
    const auto f = fields_of(state);
    const auto r = fields_of(receiver);
    if (f.size() != 8 || r.size() != 3) {
        snapshot.server_error = state.substr(0, state.find('\n'));
        return snapshot;
    }
    const std::vector<std::string> row = {
        f[0],     kSystem, f[4], f[1], f[2], f[3], "", f[5], "1795656399.5",
        "150004", "2026",  r[2], f[7], f[6], "",   "", "",   f[6].empty() ? "" : f[4],
        r[0],     r[1]};
    std::string text;
    for (std::size_t i = 0; i < row.size(); ++i) text += (i ? "|" : "") + row[i];
    auto server = parse_live_server(text + "\n");
    if (server) {
        snapshot.server = std::move(server).value();
        EXPECT_EQ(snapshot.server->role, role);
    } else {
        snapshot.server_error = server.error().message;
    }
    return snapshot;
}

TEST(PromoteState, ParsesAStandby) {
    const auto host = three_hosts().hosts[1];
    const auto state = handover_state_from_snapshot(
        host, snapshot_with("t||0/5000148|0/5000060|1|t|streaming|user=replicator "
                            "passfile=/x host=10.0.0.11 port=5432 application_name=db2\n"));
    EXPECT_TRUE(state.reachable);
    ASSERT_TRUE(state.server.has_value());
    EXPECT_EQ(state.role(), LiveRole::Standby);
    EXPECT_FALSE(state.server->current_lsn.has_value());
    EXPECT_EQ(state.server->receive_lsn, parse_lsn("0/5000148"));
    EXPECT_EQ(state.server->replay_lsn, parse_lsn("0/5000060"));
    EXPECT_EQ(state.wal_position(), parse_lsn("0/5000148"));
    EXPECT_EQ(state.timeline(), std::optional<int>(1));
    EXPECT_EQ(state.server->replay_paused, std::optional<bool>(true));
    ASSERT_NE(state.receiver(), nullptr);
    EXPECT_EQ(state.receiver()->status, "streaming");
    EXPECT_EQ(state.upstream_endpoint().host, "10.0.0.11");
    EXPECT_EQ(state.upstream_endpoint().port, std::optional<int>(5432));
    EXPECT_EQ(state.system_identifier(), kSystem);
    EXPECT_EQ(state.data_directory, "/srv/pg/15/main");
    EXPECT_TRUE(state.query_error.empty());
}

TEST(PromoteState, ParsesTheReceiverTiming) {
    const auto host = three_hosts().hosts[1];
    const std::string standby = "t||0/5000148|0/5000060|1|f|streaming|host=10.0.0.11\n";
    auto snapshot = snapshot_with(standby);
    auto state = handover_state_from_snapshot(host, snapshot);
    ASSERT_NE(state.receiver(), nullptr);
    EXPECT_FALSE(state.receiver()->silence_ms.has_value());  // not asked (or no answer)
    snapshot = snapshot_with(standby, LiveRole::Standby, "1234|1700000000123456|10000\n");
    state = handover_state_from_snapshot(host, snapshot);
    ASSERT_NE(state.receiver(), nullptr);
    EXPECT_EQ(state.receiver()->silence_ms, std::optional<std::int64_t>(1234));
    EXPECT_EQ(state.receiver()->heard_us, std::optional<std::int64_t>(1700000000123456));
    EXPECT_EQ(state.server->wal_receiver_timeout_ms, std::optional<std::int64_t>(10000));
    snapshot = snapshot_with(standby, LiveRole::Standby, "||60000\n");  // no WAL receiver
    state = handover_state_from_snapshot(host, snapshot);
    EXPECT_FALSE(state.receiver() != nullptr && state.receiver()->silence_ms.has_value());
    EXPECT_EQ(state.server->wal_receiver_timeout_ms, std::optional<std::int64_t>(60000));
    // The receiver's timing comes with the server's state: no query of promote's own.
    EXPECT_TRUE(handover_state_request(host).queries.empty());
    EXPECT_NE(live_server_sql(host.postgres.version).find("last_msg_receipt_time"),
              std::string::npos);
}

TEST(PromoteState, ParsesAPrimaryAndQuotedConninfo) {
    const auto host = three_hosts().hosts[0];
    auto state = handover_state_from_snapshot(
        host, snapshot_with("f|0/7000000|||2|f||\n", LiveRole::Primary));
    EXPECT_EQ(state.role(), LiveRole::Primary);
    EXPECT_EQ(state.wal_position(), parse_lsn("0/7000000"));
    EXPECT_EQ(state.timeline(), std::optional<int>(2));
    EXPECT_TRUE(state.upstream_endpoint().host.empty());
    state = handover_state_from_snapshot(host,
                                        snapshot_with("t||0/1|0/1|1|f||host='db 2' port='5433'\n"));
    EXPECT_EQ(state.upstream_endpoint().host, "db 2");
    EXPECT_EQ(state.upstream_endpoint().port, std::optional<int>(5433));
}

TEST(PromoteState, QueryErrorsAreKept) {
    const auto host = three_hosts().hosts[1];
    auto state = handover_state_from_snapshot(
        host, snapshot_with("ERROR:  function pg_promote() does not exist\n"));
    EXPECT_NE(state.query_error.find("does not exist"), std::string::npos);
    EXPECT_FALSE(state.server.has_value());
    EXPECT_FALSE(state.wal_position().has_value());
    EXPECT_EQ(state.system_identifier(), kSystem);  // pg_controldata's
    auto snapshot = snapshot_with("");
    snapshot.server_error = "FATAL:  the database system is starting up";
    state = handover_state_from_snapshot(host, snapshot);
    EXPECT_EQ(state.role(), LiveRole::Unknown);
    EXPECT_EQ(state.query_error, "FATAL:  the database system is starting up");
}

TEST(PromoteState, FenceAndSwitchoverMarkersAndRecoveryConfBefore12) {
    auto inventory = inventory_from(R"(postgres: { version: 11 }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
)");
    const Host& host = inventory.hosts[1];
    const auto request = handover_state_request(host);
    ASSERT_EQ(request.files.size(), 3u);
    EXPECT_EQ(request.files[0], "/etc/postgresql/11/main/pgrepl.fenced");
    EXPECT_EQ(request.files[1], "/etc/postgresql/11/main/pgrepl.switchover");
    EXPECT_EQ(request.files[2], "/var/lib/postgresql/11/main/recovery.conf");
    auto snapshot = snapshot_with("t||0/1|0/1|1|f||\n");
    snapshot.files[request.files[0]] =
        "at 2026-01-01T00:00:00Z, db3 was promoted\nstart.conf was: auto\n";
    snapshot.files[request.files[1]] = "stopped by pgrepl switchover for a switchover to db1\n";
    snapshot.files[request.files[2]] =
        "standby_mode = 'on'\nprimary_conninfo = 'host=10.0.0.11 port=5432 user=replicator'\n";
    const auto state = handover_state_from_snapshot(host, snapshot);
    EXPECT_EQ(state.fence_note,
              std::optional<std::string>("at 2026-01-01T00:00:00Z, db3 was promoted"));
    EXPECT_EQ(state.switchover_note,
              std::optional<std::string>("stopped by pgrepl switchover for a switchover to db1"));
    EXPECT_EQ(state.upstream_endpoint().host, "10.0.0.11");
    EXPECT_EQ(state.upstream_endpoint().port, std::optional<int>(5432));
}

TEST(PromoteState, UnreachableHost) {
    const auto state = unreachable_state(
        three_hosts().hosts[0], make_error(ErrorKind::Connect, "db1: connect: timeout\nmore"));
    EXPECT_FALSE(state.reachable);
    EXPECT_EQ(state.unreachable_reason, "timeout");  // the host and step are said around it
    EXPECT_FALSE(state.wal_position().has_value());
}

// An Error with its host and step as fields says the same reason as one that carries them in
// its message: the host left out, the step too when it is the connect itself.
TEST(PromoteState, UnreachableReasonFromTheErrorsFields) {
    const Host host = three_hosts().hosts[0];
    auto state =
        unreachable_state(host, make_host_error(ErrorKind::Connect, "db1", "connect", "timeout"));
    EXPECT_EQ(state.unreachable_reason, "timeout");
    EXPECT_FALSE(state.answered);
    state = unreachable_state(
        host, make_host_error(ErrorKind::Sudo, "db1", "sudo", "a password is required\nmore"));
    EXPECT_EQ(state.unreachable_reason, "sudo: a password is required");
    EXPECT_TRUE(state.answered);
    EXPECT_EQ(
        unreachable_state(host, make_error(ErrorKind::Sudo, "db1: sudo: a password is required"))
            .unreachable_reason,
        "sudo: a password is required");
    // A field-less message that does not start with the host keeps its words.
    EXPECT_EQ(unreachable_state(host, make_host_error(ErrorKind::Remote, "db1", "", "db1: x"))
                  .unreachable_reason,
              "db1: x");
}

// The configured upstream: the running server's primary_conninfo when it names a host, else
// recovery.conf's (before 12, e.g. a stopped standby), else none.
TEST(PromoteState, UpstreamEndpointPrefersTheServersSetting) {
    auto state = standby("db3", "0/1", "10.0.0.12");
    state.recovery_conf_upstream = Endpoint{"10.0.0.11", 5433};
    EXPECT_EQ(state.upstream_endpoint().host, "10.0.0.12");
    EXPECT_EQ(state.upstream_endpoint().port, std::optional<int>(5432));
    state.server->configured_upstream = {};
    EXPECT_EQ(state.upstream_endpoint().host, "10.0.0.11");
    EXPECT_EQ(state.upstream_endpoint().port, std::optional<int>(5433));
    state.server.reset();
    EXPECT_EQ(state.upstream_endpoint().host, "10.0.0.11");
    state.recovery_conf_upstream.reset();
    EXPECT_TRUE(state.upstream_endpoint().host.empty());
    EXPECT_EQ(state.role(), LiveRole::Unknown);
    EXPECT_FALSE(state.timeline().has_value());
    EXPECT_EQ(state.receiver(), nullptr);
    EXPECT_TRUE(state.system_identifier().empty());
}

TEST(PromoteActions, FenceScript) {
    const auto host = three_hosts().hosts[0];
    const auto script =
        fence_script(host, {"/var/lib/postgresql/15/main", "db2", "2026-01-01T00:00:00Z"});
    EXPECT_NE(script.find("pg_ctlcluster \"$V\" \"$C\" stop -m fast"), std::string::npos);
    EXPECT_NE(script.find("exit 3"), std::string::npos);
    EXPECT_NE(script.find("disabled\n"), std::string::npos);
    EXPECT_NE(script.find("\"$D/standby.signal\""), std::string::npos);
    EXPECT_NE(script.find("\"$CONF/pgrepl.fenced\""), std::string::npos);
    EXPECT_NE(script.find("db2 was promoted in its place"), std::string::npos);
    EXPECT_NE(script.find("D='/var/lib/postgresql/15/main'"), std::string::npos);
    EXPECT_NE(script.find("Latest checkpoint location"), std::string::npos);
    auto old_host = host;
    old_host.postgres.version = PgVersion{11, 0};
    const auto old = fence_script(old_host, {"/d", "db2", "now"});
    EXPECT_EQ(old.find("standby.signal"), std::string::npos);
    EXPECT_NE(old.find("standby_mode = 'on'"), std::string::npos);
}

TEST(PromoteActions, FenceOutput) {
    auto result = parse_fence_output("@@stopped\n@@checkpoint 0/5000028\n");
    EXPECT_TRUE(result.stopped);
    EXPECT_EQ(result.checkpoint, parse_lsn("0/5000028"));
    result = parse_fence_output("@@checkpoint \n");
    EXPECT_FALSE(result.stopped);
    EXPECT_FALSE(result.checkpoint.has_value());
}

TEST(PromoteActions, PromoteScriptAndOutput) {
    auto host = three_hosts().hosts[1];
    auto script = promote_script(host, std::chrono::seconds(60));
    EXPECT_NE(script.find("SELECT pg_promote(false);"), std::string::npos);
    EXPECT_NE(script.find("FOR i IN 1..6000 LOOP"), std::string::npos);
    EXPECT_NE(script.find("txid_current()"), std::string::npos);
    EXPECT_EQ(script.find("pg_ctlcluster"), std::string::npos);
    host.postgres.version = PgVersion{11, 0};
    script = promote_script(host, std::chrono::seconds(60));
    EXPECT_NE(script.find("pg_ctlcluster '11' 'main' promote"), std::string::npos);
    EXPECT_EQ(script.find("pg_promote"), std::string::npos);

    auto parsed = parse_promote_output("t\noff|747|2\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->timeline, 2);
    EXPECT_FALSE(parse_promote_output("t\non|747|2\n").ok());
    EXPECT_FALSE(parse_promote_output("").ok());
}

TEST(PromoteActions, FollowOutput) {
    auto result = parse_follow_output("streaming|2|end\n", true);
    EXPECT_TRUE(result.following);
    EXPECT_EQ(result.status, "streaming");
    EXPECT_EQ(result.timeline, 2);
    result = parse_follow_output("||end\n", false);
    EXPECT_FALSE(result.following);
    EXPECT_EQ(result.status, "");
    const auto script = follow_script(three_hosts().hosts[2], 2, std::chrono::seconds(30));
    EXPECT_NE(script.find("received_tli >= 2"), std::string::npos);
    EXPECT_NE(script.find("1..600"), std::string::npos);
}

}  // namespace
}  // namespace pgrepl::promote_test
