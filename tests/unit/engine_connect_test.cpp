// probing_factory: a silent or refusing host fails at once with the probe's words; an open one
// goes on to the real factory.
#include <gtest/gtest.h>

#include "pgrepl/engine/connect.hpp"

namespace pgrepl {
namespace {

ReachProbe always(Reach reach) {
    return [reach](const Host& host) {
        return ReachResult{reach, host.address + ":22", "no answer to a TCP connect within 1.0 s",
                           std::chrono::milliseconds(1000)};
    };
}

Host host_named(const std::string& name) {
    Host host;
    host.name = name;
    host.address = "10.0.0.11";
    return host;
}

TEST(ProbingFactory, SilentHostFailsWithoutTheInnerFactory) {
    int inner_calls = 0;
    ExecutorFactory inner = [&](const Host&) -> Result<std::unique_ptr<Executor>> {
        ++inner_calls;
        return make_error(ErrorKind::Internal, "inner");
    };
    auto factory = probing_factory(inner, always(Reach::Silent));
    auto result = factory(host_named("db1"));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::Connect);
    EXPECT_EQ(result.error().message,
              "db1: connect: 10.0.0.11:22: no answer to a TCP connect within 1.0 s");
    EXPECT_NE(result.error().hint.find("--reach-timeout"), std::string::npos);
    EXPECT_EQ(inner_calls, 0);
    EXPECT_FALSE(probing_factory(inner, always(Reach::Refused))(host_named("db1")));
    EXPECT_EQ(inner_calls, 0);
}

TEST(ProbingFactory, OpenOrUnknownHostGoesToTheInnerFactory) {
    int inner_calls = 0;
    ExecutorFactory inner = [&](const Host&) -> Result<std::unique_ptr<Executor>> {
        ++inner_calls;
        return make_error(ErrorKind::Auth, "inner");
    };
    EXPECT_EQ(probing_factory(inner, always(Reach::Open))(host_named("db1")).error().message,
              "inner");
    EXPECT_EQ(probing_factory(inner, always(Reach::Unknown))(host_named("db1")).error().message,
              "inner");
    EXPECT_EQ(inner_calls, 2);
}

}  // namespace
}  // namespace pgrepl
