#include "pgrepl/exec/crash_point.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "support/borrowed_executor.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl {
namespace {

Command mutating(const std::string& script, const std::string& purpose) {
    Command command;
    command.script = script;
    command.mutation = Mutation::Mutating;
    command.purpose = purpose;
    return command;
}

TEST(ExecCrashPoint, OffWhenBothVariablesAreUnset) {
    auto config = parse_crash_point_config(nullptr, "");
    ASSERT_TRUE(config);
    EXPECT_FALSE(*config);
}

TEST(ExecCrashPoint, ParsesTheVariables) {
    auto config = parse_crash_point_config("7", "/tmp/log");
    ASSERT_TRUE(config);
    ASSERT_TRUE(*config);
    EXPECT_EQ((*config)->crash_after, 7);
    EXPECT_EQ((*config)->mutation_log, "/tmp/log");
    auto count_only = parse_crash_point_config(nullptr, "/tmp/log");
    ASSERT_TRUE(count_only && *count_only);
    EXPECT_EQ((*count_only)->crash_after, 0);
    for (const char* bad : {"0", "-1", "x", "3x", " 3"}) {
        auto refused = parse_crash_point_config(bad, nullptr);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().kind, ErrorKind::Usage) << bad;
        EXPECT_NE(refused.error().message.find("PGREPL_TEST_CRASH_AFTER"), std::string::npos);
    }
}

// The Nth mutating call reaches the host, returns, and only then the crash comes; read-only
// calls do not count; writes count.
TEST(ExecCrashPoint, CrashesRightAfterTheNthMutatingCallReturned) {
    FakeExecutor fake("db2");
    fake.expect_run("pg_lsclusters", command_ok("15 main"));
    fake.expect_run("mkdir", command_ok());
    fake.expect_write("/etc/x");
    std::vector<int> crashed_at;
    auto points = std::make_shared<CrashPoints>(CrashPointConfig{2, ""}, [&] {
        crashed_at.push_back(static_cast<int>(fake.calls().size()));
    });
    auto executor = make_crash_point(std::make_unique<test::BorrowedExecutor>(fake), points);
    EXPECT_EQ(executor->host_name(), "db2");
    Command read;
    read.script = "pg_lsclusters";
    ASSERT_TRUE(executor->run(read));
    ASSERT_TRUE(executor->run(mutating("mkdir -p /x", "make x")));
    EXPECT_TRUE(crashed_at.empty());
    FileSpec file;
    file.path = "/etc/x";
    ASSERT_TRUE(executor->write_file(file));
    EXPECT_EQ(crashed_at, std::vector<int>{3}) << "after the write reached the host";
    EXPECT_EQ(points->count(), 2);
}

TEST(ExecCrashPoint, PassesTheHostLockOnUncounted) {
    FakeExecutor fake("db1");
    auto points = std::make_shared<CrashPoints>(CrashPointConfig{1, ""}, [] {});
    auto executor = make_crash_point(std::make_unique<test::BorrowedExecutor>(fake), points);
    LockRequest request;
    request.holder = "pgrepl setup, pid 7";
    auto held = executor->hold_lock(request);
    ASSERT_TRUE(held) << held.error().message;
    ASSERT_EQ(fake.lock_requests().size(), 1u);
    EXPECT_EQ(fake.lock_requests()[0].holder, "pgrepl setup, pid 7");
    EXPECT_EQ(points->count(), 0);
}

// One counter for every host's executor, on parallel threads; each call is one line of the log.
TEST(ExecCrashPoint, OneCounterForEveryHostAndALineEachInTheLog) {
    const std::string log = ::testing::TempDir() + "crash_point_log";
    std::remove(log.c_str());
    int crashes = 0;
    auto points = std::make_shared<CrashPoints>(CrashPointConfig{0, log}, [&] { ++crashes; });
    std::vector<std::unique_ptr<FakeExecutor>> fakes;
    std::vector<std::thread> threads;
    for (const char* host : {"db1", "db2", "db3"}) {
        fakes.push_back(std::make_unique<FakeExecutor>(host));
        fakes.back()->expect_run("touch", command_ok(), Times::AtLeastOnce);
    }
    for (auto& fake : fakes) {
        threads.emplace_back([&points, &fake] {
            auto executor =
                make_crash_point(std::make_unique<test::BorrowedExecutor>(*fake), points);
            for (int i = 0; i < 50; ++i) (void)executor->run(mutating("touch /x", "touch x"));
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(points->count(), 150);
    EXPECT_EQ(crashes, 0);
    std::ifstream in(log);
    std::vector<bool> seen(151, false);
    int lines = 0;
    for (std::string line; std::getline(in, line); ++lines) {
        std::istringstream fields(line);
        int n = 0;
        std::string host, purpose;
        fields >> n >> host >> std::ws;
        std::getline(fields, purpose);
        ASSERT_TRUE(n >= 1 && n <= 150) << line;
        EXPECT_FALSE(seen[n]) << line;
        seen[n] = true;
        EXPECT_EQ(purpose, "touch x");
    }
    EXPECT_EQ(lines, 150);
    std::remove(log.c_str());
}

}  // namespace
}  // namespace pgrepl
