// exit_code_for: the one mapping from an error kind to the process exit code; the verdicts of
// ping and verify; describe() of an error's host and step.
#include "pgrepl/util/exit_code.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "pgrepl/ping/ping.hpp"
#include "pgrepl/verify/report.hpp"

namespace pgrepl {
namespace {

TEST(ExitCodeFor, EveryKind) {
    const std::vector<std::pair<ErrorKind, ExitCode>> cases = {
        {ErrorKind::Usage, ExitCode::Usage},     {ErrorKind::Inventory, ExitCode::Usage},
        {ErrorKind::Connect, ExitCode::Failed},  {ErrorKind::HostKey, ExitCode::Failed},
        {ErrorKind::Auth, ExitCode::Failed},     {ErrorKind::Sudo, ExitCode::Failed},
        {ErrorKind::Remote, ExitCode::Failed},   {ErrorKind::NotFound, ExitCode::Failed},
        {ErrorKind::Timeout, ExitCode::Failed},  {ErrorKind::Conflict, ExitCode::Failed},
        {ErrorKind::Refused, ExitCode::Refused}, {ErrorKind::Internal, ExitCode::Failed},
    };
    // One case per kind: the list grows with the enum (Internal is the last).
    EXPECT_EQ(cases.size(), static_cast<std::size_t>(ErrorKind::Internal) + 1);
    for (const auto& [kind, code] : cases) EXPECT_EQ(exit_code_for(kind), code) << to_string(kind);
    EXPECT_EQ(to_int(exit_code_for(ErrorKind::Refused)), 3);
    EXPECT_EQ(to_int(exit_code_for(ErrorKind::Usage)), 2);
    EXPECT_EQ(to_int(exit_code_for(ErrorKind::Remote)), 1);
}

TEST(DescribeError, HostAndStepAreFieldsShownAsPrefix) {
    EXPECT_EQ(describe(make_host_error(ErrorKind::Connect, "db1", "connect", "timed out")),
              "db1: connect: timed out");
    EXPECT_EQ(describe(make_host_error(ErrorKind::Remote, "db1", "", "exit 1")), "db1: exit 1");
    EXPECT_EQ(describe(make_error(ErrorKind::Remote, "plain")), "plain");
    const Error error = make_host_error(ErrorKind::Auth, "db2", "auth", "denied", "add the key");
    EXPECT_EQ(error.message, "denied");
    EXPECT_EQ(error.host, "db2");
    EXPECT_EQ(error.step, "auth");
    EXPECT_EQ(error.hint, "add the key");
}

TEST(DescribeError, OnALineThatNamesTheHost) {
    const Error connect = make_host_error(ErrorKind::Connect, "db1", "connect", "timed out");
    EXPECT_EQ(describe(connect, "db1"), "connect: timed out");
    EXPECT_EQ(describe(connect, "db2"), "db1: connect: timed out") << "another host's error";
    EXPECT_EQ(describe(make_host_error(ErrorKind::Sudo, "db1", "", "refused"), "db1"), "refused");
    EXPECT_EQ(describe(make_error(ErrorKind::Remote, "plain"), "db1"), "plain");
}

/// A ping entry in `state`, with the error of `kind` when it is not Ok.
PingHost ping_host(PingState state, ErrorKind kind = ErrorKind::Connect) {
    PingHost host;
    host.state = state;
    if (state != PingState::Ok) host.problem = make_host_error(kind, "db1", "connect", "down");
    return host;
}

TEST(PingExitCode, OkOnlyWhenEveryHostAnswered) {
    EXPECT_EQ(ping_exit_code({}), ExitCode::Ok);
    EXPECT_EQ(ping_exit_code({ping_host(PingState::Ok), ping_host(PingState::Ok)}), ExitCode::Ok);
    // A host that answered but whose PostgreSQL refused a query is still Ok (the problem is
    // logged).
    PingHost refused_query = ping_host(PingState::Ok);
    refused_query.problem = make_host_error(ErrorKind::Remote, "db1", "ping", "refused a query");
    EXPECT_EQ(ping_exit_code({refused_query}), ExitCode::Ok);
    EXPECT_EQ(ping_exit_code({ping_host(PingState::Ok), ping_host(PingState::Unreachable)}),
              ExitCode::Failed);
    EXPECT_EQ(ping_exit_code({ping_host(PingState::Error, ErrorKind::Sudo)}), ExitCode::Failed);
    // The kind decides, through exit_code_for: the first host that failed.
    EXPECT_EQ(ping_exit_code({ping_host(PingState::Error, ErrorKind::Refused),
                              ping_host(PingState::Unreachable)}),
              exit_code_for(ErrorKind::Refused));
}

TEST(VerdictExitCode, HealthyIsOkAFailedCheckIsFailed) {
    VerifyReport report;
    EXPECT_EQ(verdict_exit_code(report), ExitCode::Failed) << "no host: nothing was verified";
    HostReport host;
    host.checks.push_back({"ssh", CheckStatus::Ok, "reachable", ""});
    host.checks.push_back({"lag", CheckStatus::Warning, "close to the limit", ""});
    report.hosts.push_back(host);
    EXPECT_EQ(verdict_exit_code(report), ExitCode::Ok) << "warnings are allowed";
    host.checks.push_back({"probe", CheckStatus::Failed, "not replayed", ""});
    report.hosts.push_back(host);
    EXPECT_EQ(verdict_exit_code(report), ExitCode::Failed);
    EXPECT_EQ(to_int(verdict_exit_code(report)), 1);
}

}  // namespace
}  // namespace pgrepl
