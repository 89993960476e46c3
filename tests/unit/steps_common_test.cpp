// run_checked: a failed command's message names the line that says why, not a closing remark.
#include <gtest/gtest.h>

#include "pgrepl/pg/paths.hpp"
#include "steps/common.hpp"
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
    return result ? std::string() : result.error().message;
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

TEST(RunChecked, WithoutAnErrorLineTheLastLineCounts) {
    EXPECT_EQ(failure_of("first\nsecond\n\n"),
              "db3: replica: pg_basebackup from db1 failed (exit 1): second");
}

}  // namespace
}  // namespace pgrepl::test
