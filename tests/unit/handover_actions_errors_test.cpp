// The fence and promote actions' errors carry the host and the step as fields; describe()
// shows them as ever ("db1: fence: ...").
#include <gtest/gtest.h>

#include "pgrepl/handover/actions.hpp"
#include "promote_test_util.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl::test {
namespace {

using promote_test::three_hosts;

void expect_context(const Error& error, const std::string& step, const std::string& shown) {
    EXPECT_EQ(error.host, "db1");
    EXPECT_EQ(error.step, step);
    EXPECT_FALSE(error.message.starts_with("db1:")) << error.message;
    EXPECT_EQ(describe(error), shown);
}

TEST(HandoverActionErrors, AFenceThatCannotStopIsARefusalOnTheHost) {
    const Host host = three_hosts().hosts[0];
    FakeExecutor fake("db1");
    fake.expect_run("pg_ctlcluster", command_failed(3, "still running\n"))
        .mutation(Mutation::Mutating);
    auto fenced = run_fence(fake, host, FenceInput{"/var/lib/postgresql/15/main", "db2", "now"});
    ASSERT_FALSE(fenced);
    EXPECT_EQ(fenced.error().kind, ErrorKind::Refused);
    expect_context(fenced.error(), "fence", "db1: fence: exit 3: still running");
}

TEST(HandoverActionErrors, AFailedPromotionNamesHostAndStep) {
    const Host host = three_hosts().hosts[0];
    FakeExecutor fake("db1");
    fake.expect_run("pg_promote", command_failed(1, "ERROR:  boom\n")).mutation(Mutation::Mutating);
    auto promoted = run_promote_script(fake, host, std::chrono::seconds(5));
    ASSERT_FALSE(promoted);
    expect_context(promoted.error(), "promote", "db1: promote: exit 1: ERROR:  boom");
    FakeExecutor odd("db1");
    odd.expect_run("pg_promote", command_ok("on|1|2\n")).mutation(Mutation::Mutating);
    auto read_only = run_promote_script(odd, host, std::chrono::seconds(5));
    ASSERT_FALSE(read_only);
    EXPECT_EQ(read_only.error().host, "db1");
    EXPECT_EQ(read_only.error().step, "promote");
    EXPECT_EQ(describe(read_only.error()).rfind("db1: promote: promoted, but", 0), 0u);
}

}  // namespace
}  // namespace pgrepl::test
