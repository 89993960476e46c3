// The one connect path (HostLink, open_links): a silent or refusing host fails at once with the
// probe's words; an open one goes on to the factory; check mode puts the dry-run guard in front;
// the PostgreSQL port is probed alongside; `then` runs per link.
#include <gtest/gtest.h>

#include <atomic>

#include "pgrepl/engine/connect.hpp"
#include "support/borrowed_executor.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl {
namespace {

ReachProbe always(Reach reach, int port = 22) {
    return [reach, port](const Host& host) {
        return ReachResult{reach, host.address + ":" + std::to_string(port),
                           "no answer to a TCP connect within 1.0 s",
                           std::chrono::milliseconds(1000)};
    };
}

Host host_named(const std::string& name) {
    Host host;
    host.name = name;
    host.address = "10.0.0.11";
    return host;
}

TEST(HostLink, SilentHostFailsWithoutTheFactory) {
    int factory_calls = 0;
    ExecutorFactory factory = [&](const Host&) -> Result<std::unique_ptr<Executor>> {
        ++factory_calls;
        return make_error(ErrorKind::Internal, "inner");
    };
    HostLink link(host_named("db1"));
    link.connect(factory, {always(Reach::Silent), {}, {}});
    ASSERT_FALSE(link.connected());
    EXPECT_EQ(link.executor(), nullptr);
    EXPECT_EQ(link.error().kind, ErrorKind::Connect);
    EXPECT_EQ(describe(link.error()),
              "db1: connect: 10.0.0.11:22: no answer to a TCP connect within 1.0 s");
    EXPECT_NE(link.error().hint.find("--reach-timeout"), std::string::npos);
    ASSERT_TRUE(link.reach());
    EXPECT_EQ(link.reach()->reach, Reach::Silent);
    EXPECT_EQ(factory_calls, 0);
    link.connect(factory, {always(Reach::Refused), {}, {}});
    EXPECT_FALSE(link.connected());
    EXPECT_NE(link.error().hint.find("start sshd"), std::string::npos);
    EXPECT_EQ(factory_calls, 0);
}

TEST(HostLink, OpenOrUnknownHostGoesToTheFactory) {
    int factory_calls = 0;
    ExecutorFactory factory = [&](const Host&) -> Result<std::unique_ptr<Executor>> {
        ++factory_calls;
        return make_error(ErrorKind::Auth, "inner");
    };
    HostLink link(host_named("db1"));
    link.connect(factory, {always(Reach::Open), {}, {}});
    EXPECT_EQ(link.error().message, "inner");
    link.connect(factory, {always(Reach::Unknown), {}, {}});
    EXPECT_EQ(link.error().message, "inner");
    link.connect(factory, {});
    EXPECT_FALSE(link.reach());
    EXPECT_EQ(factory_calls, 3);
}

TEST(HostLink, CheckModeActsThroughTheDryRunGuard) {
    FakeExecutor fake("db1");
    ExecutorFactory lend = [&fake](const Host&) -> Result<std::unique_ptr<Executor>> {
        return std::unique_ptr<Executor>(std::make_unique<test::BorrowedExecutor>(fake));
    };
    HostLink check(host_named("db1"), RunMode::Check);
    check.connect(lend, {});
    ASSERT_TRUE(check.connected());
    EXPECT_THROW((void)check.executor()->write_file(FileSpec{"/tmp/x", "x"}), std::logic_error);

    HostLink borrowed(host_named("db1"), fake, RunMode::Check);
    EXPECT_THROW((void)borrowed.executor()->write_file(FileSpec{"/tmp/x", "x"}), std::logic_error);
    HostLink apply(host_named("db1"), fake);
    EXPECT_EQ(apply.executor(), &fake);
    apply.close();
    EXPECT_FALSE(apply.connected());
}

TEST(OpenLinks, ConnectsEveryHostProbesPostgresAndRunsThen) {
    Inventory inventory;
    inventory.hosts = {host_named("db1"), host_named("db2"), host_named("db3")};
    inventory.hosts[1].address = "10.0.0.12";
    FakeExecutor fake("any");
    ExecutorFactory factory = [&fake](const Host& host) -> Result<std::unique_ptr<Executor>> {
        if (host.name == "db3") return make_error(ErrorKind::Auth, "db3: auth: denied");
        return std::unique_ptr<Executor>(std::make_unique<test::BorrowedExecutor>(fake));
    };
    ReachProbe ssh = [](const Host& host) {
        return ReachResult{
            host.name == "db2" ? Reach::Silent : Reach::Open, host.address + ":22", "", {}};
    };
    std::atomic<int> calls{0};
    auto links =
        connect_hosts(all_hosts(inventory), RunMode::Apply, factory,
                      {ssh, always(Reach::Open, 5432), {}}, [&](std::size_t i, HostLink& link) {
                          EXPECT_EQ(link.host().name, inventory.hosts[i].name);
                          ++calls;
                      });
    ASSERT_EQ(links.size(), 3u);
    EXPECT_EQ(calls, 3);
    EXPECT_TRUE(links[0].connected());
    EXPECT_FALSE(links[1].connected());
    EXPECT_EQ(describe(links[1].error()), "db2: connect: 10.0.0.12:22: ");
    EXPECT_EQ(links[2].error().message, "db3: auth: denied");
    for (const auto& link : links) {
        ASSERT_TRUE(link.postgres_reach());
        EXPECT_EQ(link.postgres_reach()->endpoint, link.host().address + ":5432");
    }
}

TEST(HostLink, AnUnreachableHostsErrorIsItsConnectStep) {
    ExecutorFactory factory = [](const Host&) -> Result<std::unique_ptr<Executor>> {
        return make_error(ErrorKind::Internal, "not called");
    };
    HostLink link(host_named("db1"));
    link.connect(factory, {always(Reach::Refused), {}, {}});
    EXPECT_EQ(link.error().host, "db1");
    EXPECT_EQ(link.error().step, "connect");
    EXPECT_TRUE(link.error().message.starts_with("10.0.0.11:22: ")) << link.error().message;
}

}  // namespace
}  // namespace pgrepl
