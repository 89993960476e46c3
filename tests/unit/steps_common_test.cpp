// run_checked: a failed command's message names the line that says why, not a closing remark;
// the steps' errors carry the host and the step as fields.
#include <gtest/gtest.h>

#include "pgrepl/pg/paths.hpp"
#include "pgrepl/steps/steps.hpp"
#include "steps/common.hpp"
#include "steps/replica_clone.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl::test {
namespace {

struct Fixture {
    Inventory inventory;
    Host host;
    HostSnapshot snapshot;
    ClusterView cluster;
    ClusterPaths paths;
    std::string password;
    FakeExecutor fake;

    Fixture() {
        host.name = "db3";
        paths = cluster_paths(host);
    }
    StepContext context() {
        return StepContext{inventory, host, fake, snapshot, cluster, paths, password};
    }
};

std::string failure_of(const std::string& err) {
    Fixture f;
    f.fake.expect_run("pg_basebackup", command_failed(1, err));
    Command command;
    command.script = "pg_basebackup -D /x";
    command.purpose = "pg_basebackup from db1";
    auto result = steps::run_checked(f.context(), "replica", command);
    EXPECT_FALSE(result);
    return result ? std::string() : describe(result.error());
}

TEST(RunChecked, NamesTheErrorLineNotTheClosingRemark) {
    EXPECT_EQ(failure_of("    0/22937 kB (0%), 0/1 tablespace\r"
                         "pg_basebackup: error: could not connect to server: FATAL:  too many "
                         "connections for role \"replicator\"\n"
                         "pg_basebackup: removing contents of data directory "
                         "\"/var/lib/postgresql/15/main\"\n"),
              "db3: replica: pg_basebackup from db1 failed (exit 1): pg_basebackup: error: could "
              "not connect to server: FATAL:  too many connections for role \"replicator\"");
}

TEST(RunChecked, NamesTheFirstErrorLineTheCauseAndTheLastOne) {
    // pg_basebackup's WAL streaming child dies first and says why; the parent's closing
    // "background process terminated unexpectedly" alone would hide the cause.
    EXPECT_EQ(
        failure_of("pg_basebackup: error: could not receive data from WAL stream: "
                   "server closed the connection unexpectedly\n"
                   "pg_basebackup: error: background process terminated unexpectedly\n"
                   "pg_basebackup: removing data directory \"/var/lib/postgresql/15/main\"\n"),
        "db3: replica: pg_basebackup from db1 failed (exit 1): pg_basebackup: error: could "
        "not receive data from WAL stream: server closed the connection unexpectedly "
        "(then: pg_basebackup: error: background process terminated unexpectedly)");
}

TEST(RunChecked, WithoutAnErrorLineTheLastLineCounts) {
    EXPECT_EQ(failure_of("first\nsecond\n\n"),
              "db3: replica: pg_basebackup from db1 failed (exit 1): second");
}

/// Expects `error` to have happened on `host` during `step`, shown as "host: step: message".
void expect_context(const Error& error, const std::string& host, const std::string& step) {
    EXPECT_EQ(error.host, host) << describe(error);
    EXPECT_EQ(error.step, step) << describe(error);
    EXPECT_FALSE(error.message.starts_with(host + ":")) << error.message;
}

TEST(StepErrors, RunCheckedNamesHostAndStep) {
    Fixture f;
    f.fake.expect_run("pg_ctlcluster", command_failed(2, "boom\n"));
    Command command;
    command.script = "pg_ctlcluster 15 main start";
    command.purpose = "pg_ctlcluster start";
    auto result = steps::run_checked(f.context(), "cluster", command);
    ASSERT_FALSE(result);
    expect_context(result.error(), "db3", "cluster");
    EXPECT_EQ(describe(result.error()), "db3: cluster: pg_ctlcluster start failed (exit 2): boom");
}

TEST(StepErrors, AnUnsafeDataDirectoryIsRefusedOnTheHostsStep) {
    Fixture f;
    f.snapshot.facts.data_directory = "relative/dir";
    auto cloned = steps::clone_standby(f.context(), "replica");
    ASSERT_FALSE(cloned);
    expect_context(cloned.error(), "db3", "replica");
    EXPECT_EQ(describe(cloned.error()), "db3: replica: unsafe data directory 'relative/dir'");
}

TEST(StepErrors, HbaWithoutItsFileNamesHostAndStep) {
    Fixture f;
    auto hba = make_hba_step();
    auto applied = hba->apply(f.context(), Check{});
    ASSERT_FALSE(applied);
    expect_context(applied.error(), "db3", "pg_hba");
    EXPECT_EQ(describe(applied.error()), "db3: pg_hba: " + f.paths.hba_file + " does not exist");
}

}  // namespace
}  // namespace pgrepl::test

namespace pgrepl::test {
namespace {

TEST(StepsCommon, LoginCheckConninfoForReplicationAndDatabaseLogins) {
    Host host;
    host.address = "10.0.0.11";
    host.postgres.port = 5433;
    EXPECT_EQ(steps::login_check_conninfo(host, "replicator", "/var/lib/postgresql/.p",
                                          steps::LoginKind::Replication),
              "host=10.0.0.11 port=5433 user=replicator dbname=replication replication=true "
              "passfile=/var/lib/postgresql/.p connect_timeout=5 application_name=pgrepl-check");
    EXPECT_EQ(
        steps::login_check_conninfo(host, "pgrepl_rewind", "/p q", steps::LoginKind::Database),
        "host=10.0.0.11 port=5433 user=pgrepl_rewind dbname=postgres passfile='/p q' "
        "connect_timeout=5 application_name=pgrepl-check");
}

TEST(CloneFailureHint, NoFreeWalSenderNamesMaxWalSendersAndParallelClones) {
    const auto hint = steps::clone_failure_hint(
        "pg_basebackup from db1 failed (exit 1): pg_basebackup: error: connection to server at "
        "\"10.231.0.11\", port 5432 failed: FATAL:  number of requested standby connections "
        "exceeds max_wal_senders (currently 10)",
        "db5", "/var/lib/postgresql/15/main");
    EXPECT_NE(hint.find("raise max_wal_senders"), std::string::npos) << hint;
    EXPECT_NE(hint.find("replication.parallel_clones"), std::string::npos) << hint;
}

TEST(CloneFailureHint, AFullFileSystemSaysSoAndThatAPlainRunClonesAgain) {
    const auto hint = steps::clone_failure_hint(
        "pg_basebackup from db1 failed (exit 1): pg_basebackup: error: could not write to file "
        "\"/var/lib/postgresql/15/main/base/5/16384\": No space left on device",
        "db3", "/var/lib/postgresql/15/main");
    EXPECT_NE(hint.find("the file system of /var/lib/postgresql/15/main on db3 is full"),
              std::string::npos)
        << hint;
    EXPECT_NE(hint.find("(no --force)"), std::string::npos) << hint;
    EXPECT_NE(steps::clone_failure_hint("pg_basebackup from db1 failed (exit 1): FATAL: password "
                                        "authentication failed",
                                        "db3", "/d")
                  .find("replication logins"),
              std::string::npos);
}

}  // namespace
}  // namespace pgrepl::test
