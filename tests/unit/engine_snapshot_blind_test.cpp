// A probe that cannot see into the data directory (a login without root and without sudo) is
// an error of the gather, not a host whose server is stopped and whose directory is empty.
#include <gtest/gtest.h>

#include "pgrepl/engine/facts.hpp"
#include "pgrepl/engine/snapshot.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kBlindProbe =
    "user=pgrepl-op\npg_installed=yes\ncluster_exists=yes\n"
    "data_directory=/var/lib/postgresql/15/main\nport=5432\ndata_dir_closed=yes\nrunning=no\n"
    "@@end-facts\n@@end\n";

TEST(SnapshotBlind, TheProbeAsksWhetherItCanSearchTheDataDirectoryWhenNotRoot) {
    Host host;
    host.name = "db1";
    const std::string script = snapshot_script(host, SnapshotRequest{});
    EXPECT_NE(script.find("if [ \"$PGREPL_UID\" != 0 ] && [ -n \"$D\" ] && [ -d \"$D\" ] && "
                          "[ ! -x \"$D\" ]; then echo data_dir_closed=yes; fi"),
              std::string::npos)
        << script;
    EXPECT_TRUE(parse_host_probe(kBlindProbe).data_dir_closed);
    EXPECT_FALSE(parse_host_probe("running=no\n").data_dir_closed);
}

TEST(SnapshotBlind, AClosedDataDirectoryFailsTheGatherAndSaysWhatToDo) {
    Host host;
    host.name = "db1";
    SnapshotRequest request;
    request.purpose = "gather";
    FakeExecutor fake("db1");
    fake.expect_run("data_dir_closed", command_ok(kBlindProbe)).mutation(Mutation::ReadOnly);
    auto snapshot = take_snapshot(fake, host, request);
    ASSERT_FALSE(snapshot);
    EXPECT_EQ(snapshot.error().kind, ErrorKind::Sudo);
    EXPECT_EQ(describe(snapshot.error()),
              "db1: gather: pgrepl-op cannot look into the data directory "
              "/var/lib/postgresql/15/main (not root, and ssh.become: never runs no sudo): what "
              "it holds and whether PostgreSQL runs are unknown");
    EXPECT_EQ(snapshot.error().hint,
              "log in as root, or set ssh.become: auto so that pgrepl runs its commands through "
              "sudo -n");
    EXPECT_EQ(fake.mutating_calls(), 0);
}

}  // namespace
}  // namespace pgrepl::test
