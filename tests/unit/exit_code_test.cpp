// exit_code_for: the one mapping from an error kind to the process exit code; describe() of an
// error's host and step.
#include "pgrepl/util/exit_code.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

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

}  // namespace
}  // namespace pgrepl
