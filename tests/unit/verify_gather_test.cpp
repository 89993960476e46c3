// verify's lean snapshot request, its script, and the translation of its output.
#include <gtest/gtest.h>

#include "pgrepl/inventory/load.hpp"
#include "pgrepl/verify/gather.hpp"
#include "support/fake_executor.hpp"
#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

constexpr const char* kPrimaryOutput =
    "@@end-facts\n"
    "@@ps\n"
    "    1 /bin/bash init\n"
    " 1356 /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c "
    "config_file=/etc/postgresql/15/main/postgresql.conf\n"
    " 2259 postgres: 15/main: walsender replicator 10.0.0.13(55192) streaming 0/403F368\n"
    " 2260 postgres: 15/main: walsender replicator 10.0.0.12(43820) streaming 0/403F368\n"
    "@@log\n"
    "|2026-11-26 01:22:32.282 UTC [1357] LOG:  checkpoint starting: immediate force wait\n"
    "|@@sql\n"
    "@@noline\n"
    "@@server\n"
    "f|7712284297088413956|1|0/403F368|||||1795656398.658889|150018|"
    "2026-11-26 01:00:00+00|60000||||||||\n"
    "@@query replication\n"
    "2260|db2|10.0.0.12|streaming|0/403F368|0/403F368|0/403F368|0/403F368|async|0|0.000218|"
    "0.004414|0.00451\n"
    "2259|db3|10.0.0.13|streaming|0/403F368|0/403F368|0/403F368|0/403F368|async|0|||\n"
    "@@query receiver\n"
    "@@query slots\n"
    "db2|physical|t|0/403F368||\n"
    "db3|physical|f|0/4000000||\n"
    "@@query file_settings\n@@query settings\n"
    "wal_level|replica||postmaster|configuration file|/etc/postgresql/15/main/conf.d/"
    "pgrepl.conf|3|f\n"
    "@@end-queries\n"
    "@@psql-exit 0\n"
    "@@end\n";

constexpr const char* kStandbyOutput =
    "@@end-facts\n"
    "@@ps\n"
    "   29 /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c "
    "config_file=/etc/postgresql/15/main/postgresql.conf\n"
    "  376 postgres: 15/main: walreceiver streaming 0/4000148\n"
    "@@log\n"
    "@@noline\n"
    "@@server\n"
    "t|7712284297088413956|1||0/4000148|0/4000100|3.25|f|1795656398.7|150018|"
    "2026-11-26 01:00:00+00|60000|host=10.0.0.11 "
    "port=5432|streaming|10.0.0.11|5432|user=replicator host=10.0.0.11 "
    "port=5432|1|12|1795656398688000\n"
    "@@query replication\n"
    "@@query receiver\n"
    "streaming|10.0.0.11|5432|0/4000148|db2|user=replicator host=10.0.0.11 port=5432\n"
    "@@query slots\n"
    "@@query file_settings\n@@query settings\n"
    "@@end-queries\n"
    "@@psql-exit 0\n"
    "@@end\n";

/// verify's snapshot script for `host`.
std::string gather_script(const Inventory& inventory, const Host& host) {
    return snapshot_script(host, verify_request(inventory, host));
}

/// The HostState verify makes of this output and error output of its snapshot script.
HostState parse_gather_output(const Host& host, std::string_view output, std::string_view err,
                              const Inventory& inventory = test::verify_inventory()) {
    CommandResult result;
    result.out = output;
    result.err = err;
    return host_state_from_snapshot(host, read_snapshot(verify_request(inventory, host), result));
}

TEST(VerifyGather, ScriptUsesTheClusterPsqlReadOnlyAndEveryQuery) {
    const Inventory inventory = test::verify_inventory();
    const std::string script = gather_script(inventory, inventory.hosts[0]);
    EXPECT_NE(
        script.find("'/usr/lib/postgresql/15/bin/psql' -p 5432 -d 'postgres' -X -q -At -F '|'"),
        std::string::npos);
    EXPECT_EQ(script.find("--cluster"), std::string::npos) << "no slow pg_wrapper";
    EXPECT_NE(script.find("SET default_transaction_read_only = on;"), std::string::npos);
    EXPECT_NE(script.find("ps -eo pid=,args="), std::string::npos);
    EXPECT_NE(script.find("tail -n 20 -- '/var/log/postgresql/postgresql-15-main.log'"),
              std::string::npos);
    EXPECT_NE(script.find("\\echo @@server\n"), std::string::npos);
    for (const char* query : {"replication", "receiver", "slots", "settings", "file_settings"}) {
        EXPECT_NE(script.find(std::string("\\echo @@query ") + query + "\n"), std::string::npos)
            << query;
    }
    EXPECT_NE(script.find("pg_stat_replication"), std::string::npos);
    EXPECT_NE(script.find("pg_stat_wal_receiver"), std::string::npos);
    EXPECT_NE(script.find("pg_replication_slots"), std::string::npos);
    EXPECT_NE(script.find("pg_settings"), std::string::npos);
    for (const char* write : {"INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "emit_message"}) {
        EXPECT_EQ(script.find(write), std::string::npos) << write;
    }
    // The lean snapshot: no probe, one psql (the server query is part of its session).
    for (const char* probe : {"dpkg", "os-release", "pg_controldata", "/proc/", "runuser",
                              "as_postgres", "id -u", "getent"}) {
        EXPECT_EQ(script.find(probe), std::string::npos) << probe;
    }
    EXPECT_EQ(script.find("-X -q -At"), script.rfind("-X -q -At")) << script;
    EXPECT_NE(script.find("PGAPPNAME='pgrepl-verify'"), std::string::npos);
    EXPECT_NE(script.find("SET statement_timeout = '10s';"), std::string::npos);
    EXPECT_EQ(script.find("ON_ERROR_STOP"), std::string::npos) << "the session goes on";
    EXPECT_EQ(script.find("2>&1"), std::string::npos) << "psql's errors stay apart";
}

TEST(VerifyGather, ScriptReadsTheFenceMarkerWithoutAFork) {
    const Inventory inventory = test::verify_inventory();
    const std::string script = gather_script(inventory, inventory.hosts[0]);
    const auto at = script.find("F='/etc/postgresql/15/main/pgrepl.fenced'\n");
    ASSERT_NE(at, std::string::npos) << script;
    const auto end = script.find("fi\n", at);
    const std::string fence = script.substr(at, end - at);
    EXPECT_NE(fence.find("if [ -e \"$F\" ]"), std::string::npos) << fence;
    EXPECT_NE(fence.find("{ IFS= read -r L <\"$F\"; } 2>/dev/null"), std::string::npos) << fence;
    EXPECT_NE(fence.find("@@line"), std::string::npos) << fence;
    for (const char* fork : {"cat ", "head ", "sed ", "$("}) {
        EXPECT_EQ(fence.find(fork), std::string::npos) << fork;
    }
    EXPECT_LT(script.find("echo @@log"), at);
    EXPECT_LT(at, script.find("<<'PGREPL_SQL_END'"));
}

TEST(VerifyGather, ParsesTheFenceMarker) {
    const Inventory inventory = test::verify_inventory();
    const std::string stopped = "@@end-facts\n@@ps\n@@log\n|LOG:  database system is shut down\n";
    const std::string rest = "@@psql-exit 2\n@@end\n";
    const std::string err = "psql: error: connection to server failed: No such file\n";
    const struct {
        std::string fence;
        std::optional<std::string> note;
    } cases[] = {
        {"", std::nullopt},
        {"@@noline\n", std::nullopt},
        {"@@line\n|at 2026-11-26T01:30:00Z, db2 was promoted in its place\r\n",
         "at 2026-11-26T01:30:00Z, db2 was promoted in its place"},
        {"@@line\n|\n", ""},
        {"@@line\n", ""},
    };
    for (const auto& c : cases) {
        const HostState state =
            parse_gather_output(inventory.hosts[0], stopped + c.fence + rest, err);
        EXPECT_EQ(state.fence_note, c.note) << c.fence;
        EXPECT_EQ(state.log_tail.size(), 1u) << c.fence;
        EXPECT_FALSE(state.running());
        EXPECT_EQ(state.psql_error, "connection to server failed: No such file");
    }
    EXPECT_FALSE(parse_gather_output(inventory.hosts[0], kPrimaryOutput, "").fence_note);
}

TEST(VerifyGather, ServerQueryIsTheVersionAwareLiveServerQuery) {
    const Inventory inventory = test::verify_inventory();
    const std::string script = gather_script(inventory, inventory.hosts[0]);
    EXPECT_NE(script.find("\\echo @@server\n" + live_server_sql(PgVersion{15, 0})),
              std::string::npos);
    EXPECT_NE(live_server_sql(PgVersion{15, 0}).find("pg_last_wal_replay_lsn()"),
              std::string::npos);
    const auto old = live_server_sql(PgVersion{9, 6});
    EXPECT_NE(old.find("pg_last_xlog_replay_location()"), std::string::npos);
    EXPECT_NE(old.find("pg_is_xlog_replay_paused()"), std::string::npos);
    // No function of 10 and later ("_wal_" itself is in pg_stat_wal_receiver, 9.6's view).
    for (const char* modern :
         {"pg_current_wal_lsn", "pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn",
          "pg_is_wal_replay_paused", "pg_walfile_name"}) {
        EXPECT_EQ(old.find(modern), std::string::npos) << modern;
    }
}

TEST(VerifyGather, ParsesAPrimary) {
    const Inventory inventory = test::verify_inventory();
    const HostState state = parse_gather_output(inventory.hosts[0], kPrimaryOutput, "");
    EXPECT_TRUE(state.reached());
    EXPECT_TRUE(state.accepting);
    EXPECT_TRUE(state.query_errors.empty()) << state.query_errors.front();
    ASSERT_TRUE(state.server.has_value());
    EXPECT_EQ(state.server->role, LiveRole::Primary);
    EXPECT_EQ(state.server->current_lsn, parse_lsn("0/403F368"));
    EXPECT_EQ(state.server->server_version_num, 150018);
    EXPECT_FALSE(state.server->replay_paused.has_value());
    ASSERT_EQ(state.replication.size(), 2u);
    EXPECT_EQ(state.replication[0].application_name, "db2");
    EXPECT_EQ(state.replication[1].replay_lag_seconds, std::nullopt);
    EXPECT_FALSE(state.receiver.has_value());
    ASSERT_EQ(state.slots.size(), 2u);
    EXPECT_FALSE(state.slots[1].active);
    ASSERT_EQ(state.settings.size(), 1u);
    EXPECT_EQ(state.processes.walsenders.size(), 2u);
    EXPECT_EQ(state.processes.postmaster_pid, 1356);
    ASSERT_EQ(state.log_tail.size(), 2u);
    EXPECT_EQ(state.log_tail[1], "@@sql") << "a log line never ends the log section";
}

TEST(VerifyGather, ParsesAStandby) {
    const Inventory inventory = test::verify_inventory();
    const HostState state = parse_gather_output(inventory.hosts[1], kStandbyOutput, "");
    ASSERT_TRUE(state.server.has_value());
    EXPECT_TRUE(state.is_standby());
    EXPECT_EQ(state.server->replay_lsn, parse_lsn("0/4000100"));
    EXPECT_EQ(state.server->replay_age_seconds, 3.25);
    EXPECT_EQ(state.server->replay_paused, false);
    ASSERT_TRUE(state.receiver.has_value());
    EXPECT_EQ(state.receiver->sender_host, "10.0.0.11");
    EXPECT_EQ(state.receiver->slot_name, "db2");
    ASSERT_TRUE(state.processes.walreceiver.has_value());
    EXPECT_TRUE(state.log_tail.empty());
}

TEST(VerifyGather, ServerNotAcceptingConnections) {
    const Inventory inventory = test::verify_inventory();
    const HostState state = parse_gather_output(
        inventory.hosts[1],
        "@@end-facts\n@@ps\n   29 /usr/lib/postgresql/15/bin/postgres -D /d -c "
        "config_file=/etc/postgresql/15/main/postgresql.conf\n@@log\n|LOG: x\n@@noline\n"
        "@@psql-exit 2\n@@end\n",
        "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" "
        "failed: FATAL:  the database system is in recovery mode\n");
    EXPECT_TRUE(state.reached());
    EXPECT_TRUE(state.running());
    EXPECT_FALSE(state.accepting);
    EXPECT_EQ(state.psql_error,
              "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: "
              "FATAL:  the database system is in recovery mode");
    EXPECT_FALSE(state.server.has_value());
}

TEST(VerifyGather, ServerStopped) {
    const Inventory inventory = test::verify_inventory();
    const HostState state = parse_gather_output(
        inventory.hosts[2], "@@end-facts\n@@ps\n@@log\n@@noline\n@@psql-exit 2\n@@end\n",
        "psql: error: connection to server failed: No such file\n"
        "\tIs the server running locally?\n");
    EXPECT_FALSE(state.running());
    EXPECT_EQ(state.psql_error, "connection to server failed: No such file");
}

TEST(VerifyGather, QueryErrorsAreKept) {
    const Inventory inventory = test::verify_inventory();
    std::string output = kPrimaryOutput;
    output.replace(output.find("db3|physical|f|0/4000000||\n"), 27, "db3|physical|f\n");
    const HostState state = parse_gather_output(
        inventory.hosts[0], output,
        "psql:<stdin>:7: ERROR:  permission denied for view pg_stat_replication\n");
    EXPECT_TRUE(state.accepting);
    ASSERT_EQ(state.query_errors.size(), 2u);
    EXPECT_NE(state.query_errors[0].find("permission denied"), std::string::npos);
    EXPECT_EQ(state.query_errors[1].rfind("slots: ", 0), 0u) << state.query_errors[1];
    EXPECT_TRUE(state.slots.empty());
    EXPECT_EQ(state.replication.size(), 2u) << "other queries still count";
}

TEST(VerifyGather, MissingQueryAndBadExit) {
    const Inventory inventory = test::verify_inventory();
    const HostState state =
        parse_gather_output(inventory.hosts[0],
                            "@@end-facts\n@@ps\n@@log\n@@noline\n@@server\n"
                            "f|1|1|0/1|||||17.5|150004|2026|60000||||||||\n@@psql-exit 2\n"
                            "@@end\n",
                            "FATAL:  terminating connection due to administrator command\n");
    EXPECT_TRUE(state.accepting);
    EXPECT_TRUE(state.server.has_value());
    // the FATAL line, the exit status and the five queries that never ran
    EXPECT_EQ(state.query_errors.size(), 7u);
}

TEST(VerifyGather, CutShortOutputIsAGatherError) {
    const Inventory inventory = test::verify_inventory();
    const HostState state =
        parse_gather_output(inventory.hosts[0], "@@end-facts\n@@ps\n@@log\n@@noline\n", "");
    ASSERT_TRUE(state.gather_error.has_value());
    EXPECT_FALSE(state.reached());
    EXPECT_NE(state.gather_error->message.find("cut short"), std::string::npos);
    // Output that does not even reach the end of the (empty) facts is malformed.
    EXPECT_TRUE(parse_gather_output(inventory.hosts[0], "@@ps\n", "").gather_error);
}

TEST(VerifyGather, GatherHostRunsOneReadOnlyCommandAsPostgres) {
    const Inventory inventory = test::verify_inventory();
    FakeExecutor fake("db1");
    fake.expect_run("echo @@ps", command_ok(kPrimaryOutput))
        .as(RunAs::Postgres)
        .mutation(Mutation::ReadOnly);
    const HostState state = gather_host(fake, inventory, inventory.hosts[0]);
    EXPECT_TRUE(state.accepting);
    EXPECT_EQ(fake.calls().size(), 1u);
    EXPECT_EQ(fake.mutating_calls(), 0);
}

TEST(VerifyGather, GatherHostErrors) {
    const Inventory inventory = test::verify_inventory();
    {
        FakeExecutor fake("db1");
        fake.expect_run("echo @@ps").fails(make_error(ErrorKind::Sudo, "db1: sudo refused"));
        const HostState state = gather_host(fake, inventory, inventory.hosts[0]);
        ASSERT_TRUE(state.gather_error.has_value());
        EXPECT_EQ(state.gather_error->kind, ErrorKind::Sudo);
    }
    {
        FakeExecutor fake("db1");
        fake.expect_run("echo @@ps", command_failed(126, "runuser: cannot run sh\n"));
        const HostState state = gather_host(fake, inventory, inventory.hosts[0]);
        ASSERT_TRUE(state.gather_error.has_value());
        EXPECT_NE(state.gather_error->message.find("runuser: cannot run sh"), std::string::npos);
    }
}

}  // namespace
}  // namespace pgrepl

namespace pgrepl {
namespace {

TEST(VerifyPatroni, AsksPatroniAndEtcdOnlyWithAPatroniSection) {
    const Inventory plain = test::verify_inventory();
    EXPECT_EQ(gather_script(plain, plain.hosts[0]).find("python3"), std::string::npos);
    auto loaded = parse_inventory(
        "patroni: {}\nhosts:\n  - {name: db1, address: 10.0.0.1, role: primary}\n"
        "  - {name: db2, address: 10.0.0.2, role: replica}\n"
        "  - {name: db3, address: 10.0.0.3, role: replica}\n",
        "x.yaml");
    ASSERT_TRUE(loaded.ok());
    const Inventory& inventory = loaded.inventory;
    const Host& host = inventory.hosts[1];
    SnapshotRequest request = verify_request(inventory, host);
    EXPECT_EQ(request.http_gets, (std::vector<std::string>{"http://10.0.0.2:8008/patroni",
                                                           "http://10.0.0.2:2379/health"}));
    HostSnapshot snapshot;
    snapshot.first_lines["/etc/patroni/15-main.yml"] = "# Managed by pgrepl";
    snapshot.http["http://10.0.0.2:8008/patroni"] = {
        200, R"({"state": "running", "role": "master", "timeline": 3})"};
    snapshot.http["http://10.0.0.2:2379/health"] = {0, "Connection refused"};
    HostState state;
    read_patroni_view(inventory, host, snapshot, state);
    ASSERT_TRUE(state.patroni);
    EXPECT_TRUE(state.patroni->configured);
    EXPECT_EQ(state.patroni->role, "primary");
    EXPECT_EQ(state.patroni->state, "running");
    EXPECT_EQ(state.patroni->timeline, 3);
    ASSERT_TRUE(state.etcd);
    EXPECT_FALSE(state.etcd->healthy);
    EXPECT_EQ(state.etcd->detail, "Connection refused");
}

}  // namespace
}  // namespace pgrepl
