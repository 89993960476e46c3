// The archive step's errors carry the host and the step as fields; the step report shows
// describe() of them, the same text as ever ("db1: archive: ..."), and keeps the error.
#include <gtest/gtest.h>

#include "steps_archive_sim.hpp"

namespace pgrepl::test {
namespace {

/// Expects `error` to have happened on `host` during `step`, shown as "host: step: message".
void expect_context(const Error& error, const std::string& host, const std::string& step) {
    EXPECT_EQ(error.host, host) << describe(error);
    EXPECT_EQ(error.step, step) << describe(error);
    EXPECT_FALSE(error.message.starts_with(host + ":")) << error.message;
}

TEST(StepArchiveErrors, AnArchiveKeyWithoutAPublicKeyNamesHostAndStep) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    HostLink link(archive_host(inventory), archive.fake);
    node.fake().expect_run("command -v ssh", command_ok("ssh\nkeygen\n"), Times::Any);
    node.fake()
        .expect_run("ssh-keygen -q -t ed25519", command_ok("not a key\n"))
        .mutation(Mutation::Mutating);
    const StepReport report = run_archive(inventory, inventory.hosts[0], node, &link);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_EQ(report.reason, std::string("db1: archive: ") + kKey + ".pub holds no public key");
    ASSERT_TRUE(report.error);
    expect_context(*report.error, "db1", "archive");
    EXPECT_EQ(report.failure, ErrorKind::Remote);
}

TEST(StepArchiveErrors, TheArchiveHostsErrorsAreTheNodesArchiveStep) {
    auto inventory = ssh_inventory();
    SimHost node("db1");
    SimArchiveHost archive;
    archive.fake.set_host_key("ssh-ed25519-cert-v01@openssh.com AAAACERT");
    HostLink pinned(archive_host(inventory), archive.fake);
    node.fake().expect_run("command -v ssh", command_ok("ssh\nkeygen\n"), Times::Any);
    const StepReport report = run_archive(inventory, inventory.hosts[0], node, &pinned);
    ASSERT_TRUE(report.error);
    expect_context(*report.error, "db1", "archive");
    EXPECT_EQ(report.reason,
              "db1: archive: the archive host db3 showed a host key that cannot be pinned in "
              "known_hosts (ssh-ed25519-cert-v01@openssh.com)");

    // An archive host that could not be reached: its own error, whole, after the node's step.
    ExecutorFactory refuse = [](const Host& host) -> Result<std::unique_ptr<Executor>> {
        return make_host_error(ErrorKind::Connect, host.name, "connect",
                               host.address + ":22: connection refused");
    };
    HostLink down(archive_host(inventory));
    down.connect(refuse, {});
    SimHost other("db1");
    other.fake().expect_run("command -v ssh", command_ok("ssh\nkeygen\n"), Times::Any);
    const StepReport unreachable = run_archive(inventory, inventory.hosts[0], other, &down);
    ASSERT_TRUE(unreachable.error);
    expect_context(*unreachable.error, "db1", "archive");
    EXPECT_EQ(unreachable.reason,
              "db1: archive: archive host db3: db3: connect: 10.0.0.13:22: connection refused");
    EXPECT_EQ(unreachable.failure, ErrorKind::Connect);
}

}  // namespace
}  // namespace pgrepl::test
