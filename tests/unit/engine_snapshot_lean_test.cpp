// The snapshot's request flags: the lean depth (verify's), the read-only query session, the
// process list, the log tail and first lines; and that the full snapshot is what it was.
#include <gtest/gtest.h>

#include <stdexcept>

#include "pgrepl/engine/snapshot.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl::test {
namespace {

Host pg15() {
    Host host;
    host.name = "db1";
    return host;  // the defaults: PostgreSQL 15, cluster main, port 5432
}

SnapshotRequest lean_request() {
    SnapshotRequest request;
    request.depth = FactsDepth::Lean;
    request.run_as = RunAs::Postgres;
    request.session = QuerySession::ReadOnly;
    request.application_name = "pgrepl-verify";
    request.processes = ProcessList::Yes;
    request.log_lines = 20;
    request.first_lines = {"/etc/postgresql/15/main/pgrepl.fenced"};
    request.queries = {{"slots", "SELECT 1;"}};
    return request;
}

TEST(SnapshotLean, RunsNoProbeAndOnePsqlWhoseFirstQueryIsTheServer) {
    const Host host = pg15();
    const std::string script = snapshot_script(host, lean_request());
    for (const char* probe : {"dpkg", "os-release", "pg_controldata", "/proc/", "running",
                              "as_postgres", "runuser", "id -u", "pg_psql"}) {
        EXPECT_EQ(script.find(probe), std::string::npos) << probe << "\n" << script;
    }
    EXPECT_EQ(script.rfind("echo @@end-facts\n", 0), 0u) << script;
    const auto psql = script.find(
        "PGCONNECT_TIMEOUT=5 PGAPPNAME='pgrepl-verify' '/usr/lib/postgresql/15/bin/psql' -p 5432 "
        "-d 'postgres' -X -q -At -F '|' <<'PGREPL_SQL_END'\n"
        "SET default_transaction_read_only = on;\nSET statement_timeout = '10s';\n"
        "\\echo @@server\n" +
        live_server_sql(host.postgres.version));
    ASSERT_NE(psql, std::string::npos) << script;
    EXPECT_EQ(script.find("-X -q -At"), script.rfind("-X -q -At")) << "one psql";
    EXPECT_LT(script.find("ps -eo pid=,args= 2>/dev/null"), psql);
    EXPECT_LT(script.find("tail -n 20 -- '/var/log/postgresql/postgresql-15-main.log' 2>/dev/null "
                          "| sed 's/^/|/'"),
              psql);
    EXPECT_LT(psql, script.find("\\echo @@query slots\nSELECT 1;\n"));
    EXPECT_NE(script.find("PGREPL_SQL_END\necho @@psql-exit \"$?\"\nelse\necho @@psql-exit 127\n"),
              std::string::npos)
        << script;
    EXPECT_EQ(script.find("2>&1"), std::string::npos) << "psql's errors stay on standard error";
    EXPECT_EQ(script.substr(script.size() - 11), "echo @@end\n") << script;
}

TEST(SnapshotLean, AsAdminThePsqlRunsAsPostgresThroughRunuser) {
    SnapshotRequest request = lean_request();
    request.run_as = RunAs::Admin;
    const std::string script = snapshot_script(pg15(), request);
    EXPECT_NE(script.find("runuser -u postgres -- env PGCONNECT_TIMEOUT=5 PGAPPNAME="),
              std::string::npos)
        << script;
}

TEST(SnapshotLean, NeedsTheReadOnlySessionAndNoLogin) {
    SnapshotRequest merged = lean_request();
    merged.session = QuerySession::Merged;
    EXPECT_THROW(snapshot_script(pg15(), merged), std::invalid_argument);
    SnapshotRequest login = lean_request();
    login.replication_login_conninfo = "host=db2 replication=true";
    EXPECT_THROW(snapshot_script(pg15(), login), std::invalid_argument);
    SnapshotRequest login_test = lean_request();
    login_test.login_tests = {{"rewind", "host=db1 user=pgrepl_rewind"}};
    EXPECT_THROW(snapshot_script(pg15(), login_test), std::invalid_argument);
}

TEST(SnapshotLean, ReadsTheFirstLineOfAFileWithBuiltinsOnly) {
    const std::string script = snapshot_script(pg15(), lean_request());
    const auto at = script.find("F='/etc/postgresql/15/main/pgrepl.fenced'\n");
    ASSERT_NE(at, std::string::npos) << script;
    const std::string line = script.substr(at, script.find("fi\n", at) - at);
    EXPECT_NE(line.find("{ IFS= read -r L <\"$F\"; } 2>/dev/null"), std::string::npos) << line;
    EXPECT_NE(line.find("else echo @@noline;"), std::string::npos) << line;
    for (const char* fork : {"cat ", "head ", "sed ", "wc ", "$("}) {
        EXPECT_EQ(line.find(fork), std::string::npos) << fork;
    }
}

TEST(SnapshotLean, FullSnapshotKeepsItsProbeAndMergedSession) {
    SnapshotRequest request;
    request.queries = {{"slots", "SELECT 1;"}};
    const Host host = pg15();
    const std::string script = snapshot_script(host, request);
    EXPECT_EQ(script.rfind(host_probe_script(host) + "echo @@end-facts\n", 0), 0u);
    EXPECT_NE(script.find(
                  "if [ \"$running\" = yes ]; then :\nout=$(pg_psql -f - 2>&1 <<'PGREPL_SQL_END'\n"
                  "\\echo @@server\n"),
              std::string::npos)
        << script;
    // One psql: the server query and the steps' queries in the same session.
    EXPECT_NE(
        script.find("\\echo @@query slots\nSELECT 1;\n\\echo @@end-queries\nPGREPL_SQL_END\n)\n"),
        std::string::npos)
        << script;
    EXPECT_EQ(script.find("ON_ERROR_STOP"), std::string::npos) << script;
    for (const char* lean : {"@@ps", "@@log", "@@line", "@@psql-exit", "read_only", "PGAPPNAME"}) {
        EXPECT_EQ(script.find(lean), std::string::npos) << lean;
    }
}

TEST(SnapshotLean, ParsesProcessesLogFirstLinesAndTheSession) {
    SnapshotRequest request = lean_request();
    request.first_lines.push_back("/missing");
    CommandResult result;
    result.out =
        "@@end-facts\n@@ps\n    1 init\n   29 postgres: 15/main: walreceiver\n"
        "@@log\n|LOG:  one\n|@@end\nnoise\n@@line\n|fenced at 01:30\r\n@@noline\n"
        "@@server\n"
        "f|7000|1|0/3000148|||||1795656399.5|150004|2026|60000||||||||\n"
        "@@query slots\n1\n@@end-queries\n@@psql-exit 0\n@@end\n@@query late\nx\n";
    result.err = "psql:<stdin>:9: ERROR:  permission denied\n";
    auto snapshot = read_snapshot(request, result);
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    EXPECT_EQ(snapshot->processes, "    1 init\n   29 postgres: 15/main: walreceiver\n");
    EXPECT_EQ(snapshot->log_tail, (std::vector<std::string>{"LOG:  one", "@@end"}));
    EXPECT_EQ(snapshot->first_line_of("/etc/postgresql/15/main/pgrepl.fenced"),
              std::optional<std::string>("fenced at 01:30"));
    EXPECT_EQ(snapshot->first_line_of("/missing"), std::nullopt);
    EXPECT_EQ(snapshot->first_line_of("/never-asked"), std::nullopt);
    ASSERT_TRUE(snapshot->server) << snapshot->server_error;
    EXPECT_EQ(snapshot->server->role, LiveRole::Primary);
    EXPECT_EQ(snapshot->query("slots"), "1\n");
    EXPECT_EQ(snapshot->queries.count("late"), 0u) << "nothing after @@end";
    EXPECT_TRUE(snapshot->session.answered);
    EXPECT_EQ(snapshot->session.exit_status, 0);
    EXPECT_EQ(snapshot->session.errors, result.err);
    EXPECT_TRUE(snapshot->complete);
    EXPECT_FALSE(snapshot->facts.cluster_running) << "a lean snapshot probes no facts";
}

TEST(SnapshotLean, ASessionThatNeverConnectedAnsweredNothing) {
    auto stopped = parse_snapshot("@@end-facts\n@@ps\n@@log\n@@noline\n@@psql-exit 2\n@@end\n");
    ASSERT_TRUE(stopped) << stopped.error().message;
    EXPECT_FALSE(stopped->session.answered);
    EXPECT_EQ(stopped->session.exit_status, 2);
    EXPECT_FALSE(stopped->server);
    EXPECT_TRUE(stopped->complete);
    auto cut = parse_snapshot("@@end-facts\n@@ps\n");
    ASSERT_TRUE(cut);
    EXPECT_FALSE(cut->complete);
    EXPECT_FALSE(cut->session.exit_status);
    // A server row that does not parse is the server error, the session still answered.
    auto bad = parse_snapshot("@@end-facts\n@@server\n@@end-queries\n@@psql-exit 1\n@@end\n");
    ASSERT_TRUE(bad);
    EXPECT_TRUE(bad->session.answered);
    EXPECT_FALSE(bad->server);
    EXPECT_FALSE(bad->server_error.empty());
}

TEST(SnapshotLean, TakeSnapshotRunsReadOnlyAsTheRequestSays) {
    const Host host = pg15();
    FakeExecutor fake("db1");
    fake.expect_run("echo @@ps", command_ok("@@end-facts\n@@ps\n@@end\n"))
        .as(RunAs::Postgres)
        .mutation(Mutation::ReadOnly);
    auto snapshot = take_snapshot(fake, host, lean_request());
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    EXPECT_TRUE(snapshot->complete);
    EXPECT_EQ(fake.mutating_calls(), 0);

    FakeExecutor failing("db1");
    failing.expect_run("echo @@ps", command_failed(126, "runuser: cannot run sh\n"));
    SnapshotRequest request = lean_request();
    request.purpose = "gather replication state";
    auto failed = take_snapshot(failing, host, request);
    ASSERT_FALSE(failed);
    EXPECT_EQ(describe(failed.error()),
              "db1: gather replication state: exit 126: runuser: cannot run sh");
}

}  // namespace
}  // namespace pgrepl::test
