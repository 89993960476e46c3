// ping's report and its text (pure renderer).
#include <gtest/gtest.h>

#include "pgrepl/ping/ping.hpp"

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

}  // namespace
}  // namespace pgrepl
