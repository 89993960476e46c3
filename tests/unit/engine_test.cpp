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
        "pg_version_file=yes\nrunning=yes\nquery=t|7000|streaming|user=replicator host=10.0.0.11 "
        "port=5432|2026\n"
        "@@end-facts\n@@file 8\na=b\n@@x\n\n@@nofile\n@@query "
        "settings\nwal_level|replica\n@@end-queries\n"
        "@@login ok|7000|1|0/3000060|\n";
    auto parsed = parse_snapshot(out);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->facts.cluster_port, 5433);
    EXPECT_EQ(parsed->facts.data_directory, "/srv/pg/15/main");
    EXPECT_EQ(parsed->facts.role, LiveRole::Standby);
    EXPECT_EQ(parsed->facts.receiver_host, "10.0.0.11");
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

TEST(Facts, ParsesTheControlFileFields) {
    const HostFacts facts = parse_host_probe(
        "pg_version_file=yes\ncontroldata_sysid=7000000000000000001\n"
        "controldata_state=shut down in recovery\ncontroldata_checkpoint=0/5000060\n"
        "controldata_checkpoint_tli=1\ncontroldata_min_recovery=0/5000110\n"
        "controldata_min_recovery_tli=1\nrunning=no\n");
    EXPECT_EQ(facts.system_identifier, "7000000000000000001");
    EXPECT_EQ(facts.control_state, "shut down in recovery");
    EXPECT_EQ(facts.control_checkpoint, "0/5000060");
    EXPECT_EQ(facts.control_checkpoint_timeline, "1");
    EXPECT_EQ(facts.control_min_recovery, "0/5000110");
    EXPECT_EQ(facts.control_min_recovery_timeline, "1");
    // pg_controldata runs in the C locale: its labels are matched in English.
    EXPECT_NE(host_probe_script(Host{}).find("env LC_ALL=C"), std::string::npos);
}

TEST(Snapshot, TakesFramedFiles) {
    const std::string output = "a\nb\n\nrest";  // 4 bytes of content, the echo's newline
    std::size_t pos = 0;
    auto content = take_framed_file(output, pos, "@@file 4");
    ASSERT_TRUE(content);
    EXPECT_EQ(*content, "a\nb\n");
    EXPECT_EQ(output.substr(pos), "rest");
    pos = 0;
    EXPECT_EQ(take_framed_file(output, pos, "@@file 99").error().message, "file cut short");
    EXPECT_EQ(take_framed_file(output, pos, "@@file x").error().message, "file size");
}

TEST(Snapshot, RejectsTruncatedOutput) {
    EXPECT_FALSE(parse_snapshot("user=root\n").ok());
    EXPECT_FALSE(parse_snapshot("@@end-facts\n@@file 100\nshort\n").ok());
}

TEST(Drift, APromotedReplicaIsReported) {
    auto inventory = three_host_inventory();
    std::map<std::string, HostFacts> facts;
    HostFacts db2;
    db2.cluster_running = true;
    db2.role = LiveRole::Primary;
    db2.system_identifier = "7000";
    HostFacts db3;
    db3.cluster_running = true;
    db3.role = LiveRole::Standby;
    db3.system_identifier = "7000";
    facts["db2"] = db2;
    facts["db3"] = db3;
    auto problems = find_drift(inventory, facts);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].host, "db2");
}

TEST(Drift, AFreshClusterOnAReplicaIsNotDrift) {
    auto inventory = three_host_inventory();
    std::map<std::string, HostFacts> facts;
    HostFacts db1;
    db1.cluster_running = true;
    db1.role = LiveRole::Primary;
    db1.system_identifier = "7000";
    HostFacts db2 = db1;
    db2.system_identifier = "7999";
    facts["db1"] = db1;
    facts["db2"] = db2;
    EXPECT_TRUE(find_drift(inventory, facts).empty());
    facts["db1"].role = LiveRole::Standby;
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
