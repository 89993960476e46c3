// ping's report and its text (pure renderer).
#include <gtest/gtest.h>

#include <sstream>

#include "pgrepl/ping/ping.hpp"
#include "support/borrowed_executor.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl {
namespace {

TEST(PingReport, OneLinePerHostNamesPaddedToOneWidth) {
    PingReport report;
    PingHost ok;
    ok.name = "db1";
    ok.target = "root@10.0.0.1:22";
    ok.who = "as root";
    ok.os = "Debian GNU/Linux 12 (bookworm)";
    ok.cluster = "postgresql-15 installed, 15/main running on port 5432, primary";
    PingHost down;
    down.name = "db10";
    down.target = "root@10.0.0.10:22";
    down.state = PingState::Unreachable;
    down.kind = "connect";
    PingHost broken;
    broken.name = "db2";
    broken.target = "op@db2.lab:2222";
    broken.state = PingState::Error;
    broken.kind = "sudo";
    report.hosts = {ok, down, broken};
    EXPECT_EQ(render_ping_text(report),
              "db1   ok  root@10.0.0.1:22  as root  Debian GNU/Linux 12 (bookworm)  "
              "postgresql-15 installed, 15/main running on port 5432, primary\n"
              "db10  unreachable  root@10.0.0.10:22  connect\n"
              "db2   error  op@db2.lab:2222  sudo\n");
}

TEST(PingReport, EmptyReportPrintsNothing) {
    EXPECT_EQ(render_ping_text(PingReport{}), "");
}

TEST(PingRun, AQueryRefusedByPostgresIsAProblemOfTheHostsPing) {
    Inventory inventory;
    Host host;
    host.name = "db1";
    host.address = "10.0.0.1";
    inventory.hosts = {host};
    FakeExecutor fake("db1");
    fake.expect_run("end-facts", command_ok("user=root\nrunning=yes\n@@server-error FATAL:  no\n"
                                            "@@end-facts\n"));
    const ExecutorFactory factory = [&fake](const Host&) -> Result<std::unique_ptr<Executor>> {
        return std::unique_ptr<Executor>(std::make_unique<test::BorrowedExecutor>(fake));
    };
    std::ostringstream out;
    const PingReport report = run_ping(inventory, factory, out);
    ASSERT_EQ(report.hosts.size(), 1u);
    EXPECT_EQ(report.hosts[0].state, PingState::Ok) << out.str();
    EXPECT_EQ(report.exit_code, ExitCode::Ok);
    ASSERT_TRUE(report.hosts[0].problem);
    EXPECT_EQ(report.hosts[0].problem->host, "db1");
    EXPECT_EQ(report.hosts[0].problem->step, "ping");
    EXPECT_EQ(describe(*report.hosts[0].problem),
              "db1: ping: PostgreSQL runs but refused a query: FATAL:  no");
}

}  // namespace
}  // namespace pgrepl
