// Snapshot parsing, drift detection, the diff and the password source.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "pgrepl/engine/secret.hpp"
#include "pgrepl/engine/snapshot.hpp"
#include "pgrepl/engine/topology.hpp"
#include "pgrepl/util/diff.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

TEST(Snapshot, ParsesFactsFilesQueriesAndLogin) {
    std::string out =
        "user=root\nos=Debian\npg_installed=yes\ncluster_exists=yes\n"
        "data_directory=/srv/pg/15/main\nport=5433\n"
        "pg_version_file=yes\nrunning=yes\n@@server\n"
        "t|7000|1||0/3000148|0/3000060||f|1795656399.5|150004|2026|60000|"
        "user=replicator password=secret host=10.0.0.11 port=5432|streaming|||"
        "user=replicator host=10.0.0.11 port=5432|1|12|1795656399000000\n"
        "@@end-facts\n@@file 8\na=b\n@@x\n\n@@nofile\n@@query "
        "settings\nwal_level|replica\n@@end-queries\n"
        "@@login ok|7000|1|0/3000060|\n";
    auto parsed = parse_snapshot(out);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->facts.cluster_port, 5433);
    EXPECT_EQ(parsed->facts.data_directory, "/srv/pg/15/main");
    ASSERT_TRUE(parsed->server) << parsed->server_error;
    EXPECT_EQ(parsed->server->role, LiveRole::Standby);
    ASSERT_TRUE(parsed->server->receiver);
    EXPECT_EQ(parsed->server->receiver->sender.host, "10.0.0.11");
    EXPECT_EQ(parsed->file("0"), std::optional<std::string>("a=b\n@@x\n"));
    EXPECT_EQ(parsed->file("1"), std::nullopt);
    EXPECT_EQ(parsed->query("settings"), "wal_level|replica\n");
    ASSERT_TRUE(parsed->replication_login);
    EXPECT_TRUE(parsed->replication_login->ok);
    EXPECT_EQ(parsed->replication_login->system_identifier, "7000");
}

TEST(Snapshot, ResolvesHostNamesOnTheHost) {
    SnapshotRequest request;
    request.host_names = {"db2", "db3.example.com"};
    const auto script = snapshot_script(Host{}, request);
    EXPECT_NE(script.find("getent ahosts 'db2' |"), std::string::npos) << script;
    EXPECT_NE(script.find("getent ahosts 'db3.example.com' |"), std::string::npos) << script;
    auto parsed = parse_snapshot(
        "running=no\n@@end-facts\n@@nofile\n@@resolved db2 10.0.0.12 fd00::12 \n"
        "@@resolved db3.example.com \n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->file("0"), std::nullopt);
    EXPECT_EQ(parsed->addresses_of("db2"), (std::vector<std::string>{"10.0.0.12", "fd00::12"}));
    EXPECT_TRUE(parsed->addresses_of("db3.example.com").empty());
    EXPECT_TRUE(parsed->addresses_of("never-asked").empty());
}

TEST(Snapshot, GetsUrlsInOnePython3AndReadsTheirAnswers) {
    SnapshotRequest request;
    request.http_gets = {"http://10.0.0.1:8008/patroni", "http://10.0.0.1:2379/health",
                         "http://10.0.0.1:8008/patroni"};
    const auto script = snapshot_script(Host{}, request);
    EXPECT_NE(script.find("python3 -c '"), std::string::npos) << script;
    EXPECT_NE(script.find("' 'http://10.0.0.1:8008/patroni' 'http://10.0.0.1:2379/health' "
                          "2>/dev/null\n"),
              std::string::npos)
        << script;
    auto parsed = parse_snapshot(
        "running=no\n@@end-facts\n@@http 200 http://10.0.0.1:8008/patroni\n|{\"role\": "
        "\"master\",\n|\"state\": \"running\"}\n@@http 0 http://10.0.0.1:2379/health\n"
        "|<urlopen error [Errno 111] Connection refused>\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->http.count("http://10.0.0.1:8008/patroni"), 1u);
    EXPECT_EQ(parsed->http.at("http://10.0.0.1:8008/patroni").status, 200);
    EXPECT_EQ(parsed->http.at("http://10.0.0.1:8008/patroni").body,
              "{\"role\": \"master\",\n\"state\": \"running\"}");
    EXPECT_EQ(parsed->http.at("http://10.0.0.1:2379/health").status, 0);
    EXPECT_EQ(parsed->http.at("http://10.0.0.1:2379/health").body,
              "<urlopen error [Errno 111] Connection refused>");
}

TEST(Facts, ParsesTheControlFileFields) {
    const HostFacts facts = parse_host_probe(
        "pg_version_file=yes\ncontroldata_sysid=7000000000000000001\n"
        "controldata_state=shut down in recovery\ncontroldata_checkpoint=0/5000060\n"
        "controldata_checkpoint_tli=1\ncontroldata_min_recovery=0/5000110\n"
        "controldata_min_recovery_tli=1\ncontroldata_checksums=0\n"
        "controldata_wal_log_hints=on\nrunning=no\n");
    EXPECT_EQ(facts.system_identifier, "7000000000000000001");
    EXPECT_EQ(facts.control_state, "shut down in recovery");
    EXPECT_EQ(facts.control_checkpoint, "0/5000060");
    EXPECT_EQ(facts.control_checkpoint_timeline, "1");
    EXPECT_EQ(facts.control_min_recovery, "0/5000110");
    EXPECT_EQ(facts.control_min_recovery_timeline, "1");
    EXPECT_EQ(facts.control_checksum_version, "0");
    EXPECT_EQ(facts.control_wal_log_hints, "on");
    // pg_controldata runs in the C locale: its labels are matched in English.
    EXPECT_NE(host_probe_script(Host{}).find("env LC_ALL=C"), std::string::npos);
}

TEST(Facts, TheProbeScriptReadsThePrerequisitesOfPgRewind) {
    const auto script = host_probe_script(Host{});
    EXPECT_NE(script.find("s/^Data page checksum version: *\\(.*\\)$/controldata_checksums=\\1/p"),
              std::string::npos)
        << script;
    EXPECT_NE(script.find("s/^wal_log_hints setting: *\\(.*\\)$/controldata_wal_log_hints=\\1/p"),
              std::string::npos)
        << script;
    // Absent lines (pg_controldata never ran: no data directory) leave them empty.
    const HostFacts none = parse_host_probe("running=no\n");
    EXPECT_EQ(none.control_checksum_version, "");
    EXPECT_EQ(none.control_wal_log_hints, "");
}

TEST(Snapshot, RejectsTruncatedOutput) {
    EXPECT_FALSE(parse_snapshot("user=root\n").ok());
    EXPECT_FALSE(parse_snapshot("@@end-facts\n@@file 100\nshort\n").ok());
}

HostSnapshot running(LiveRole role, const std::string& system_identifier) {
    HostSnapshot snapshot;
    snapshot.facts.cluster_running = true;
    snapshot.server.emplace();
    snapshot.server->role = role;
    snapshot.server->system_identifier = system_identifier;
    return snapshot;
}

TEST(Drift, APromotedReplicaIsReported) {
    auto inventory = three_host_inventory();
    std::map<std::string, HostSnapshot> facts;
    facts["db2"] = running(LiveRole::Primary, "7000");
    facts["db3"] = running(LiveRole::Standby, "7000");
    auto problems = find_drift(inventory, facts);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].host, "db2");
}

TEST(Drift, AFreshClusterOnAReplicaIsNotDrift) {
    auto inventory = three_host_inventory();
    std::map<std::string, HostSnapshot> facts;
    facts["db1"] = running(LiveRole::Primary, "7000");
    facts["db2"] = running(LiveRole::Primary, "7999");
    EXPECT_TRUE(find_drift(inventory, facts).empty());
    facts["db1"].server->role = LiveRole::Standby;
    auto problems = find_drift(inventory, facts);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].host, "db1");
}

TEST(Diff, ShowsChangedLinesWithContext) {
    auto diff = line_diff("a\nb\nc\n", "a\nB\nc\n", "f");
    EXPECT_EQ(diff, "--- f\n+++ f\n a\n-b\n+B\n c\n");
    EXPECT_EQ(line_diff("same\n", "same\n", "f"), "");
}

TEST(Secret, FileMustBePrivate) {
    const std::string path = ::testing::TempDir() + "/pgrepl-secret-test";
    std::ofstream(path) << "pw\n";
    ::chmod(path.c_str(), 0644);
    ReplicationOptions options;
    options.password_file = path;
    auto loose = load_replication_password(options);
    ASSERT_FALSE(loose.ok());
    EXPECT_NE(loose.error().hint.find("chmod 600"), std::string::npos);
    EXPECT_EQ(loose.error().message.find("pw"), loose.error().message.find("pw"));
    ::chmod(path.c_str(), 0600);
    auto good = load_replication_password(options);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, "pw");
}

TEST(Secret, MissingVariableNamesTheVariable) {
    ReplicationOptions options;
    options.password_env = "PGREPL_TEST_SURELY_UNSET";
    ::unsetenv("PGREPL_TEST_SURELY_UNSET");
    auto missing = load_replication_password(options);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("PGREPL_TEST_SURELY_UNSET"), std::string::npos);
}

}  // namespace
}  // namespace pgrepl::test
