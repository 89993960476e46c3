// The host lock in the mutating commands (docs/locking.md): setup, promote and switchover take
// it on their hosts before any step, refuse with exit 3 naming the run that holds it, and take
// none with --check.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>

#include "pgrepl/promote/promote.hpp"
#include "pgrepl/setup/setup.hpp"
#include "pgrepl/switchover/switchover.hpp"
#include "promote_test_util.hpp"
#include "support/borrowed_executor.hpp"
#include "support/sim_host.hpp"

namespace pgrepl::promote_test {
namespace {

using test::SimHost;
using test::SimState;

constexpr const char* kHolder = "pgrepl setup, pid 4242 on ctl1, since 2026-12-02T10:00:00Z";

struct Lab {
    std::map<std::string, std::unique_ptr<SimHost>> hosts;  // a missing host is unreachable

    Lab() {
        for (const char* name : {"db1", "db2", "db3"})
            hosts[name] = std::make_unique<SimHost>(name, SimState{});
    }
    ExecutorFactory factory() {
        return [this](const Host& host) -> Result<std::unique_ptr<Executor>> {
            auto it = hosts.find(host.name);
            if (it == hosts.end()) return make_error(ErrorKind::Connect, "timeout");
            return std::unique_ptr<Executor>(
                std::make_unique<test::BorrowedExecutor>(it->second->fake()));
        };
    }
    FakeExecutor& fake(const std::string& name) { return hosts.at(name)->fake(); }
    // Nothing changed, and no lock is left held once the run returned.
    void expect_untouched() {
        for (auto& [name, sim] : hosts) {
            EXPECT_EQ(sim->fake().mutating_calls(), 0) << name;
            EXPECT_EQ(sim->fake().locks_held(), 0) << name;
        }
    }
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class HostLockRun : public ::testing::Test {
  protected:
    void SetUp() override { ::setenv("PGREPL_REPLICATION_PASSWORD", "pw", 1); }
    void TearDown() override { ::unsetenv("PGREPL_REPLICATION_PASSWORD"); }
};

TEST_F(HostLockRun, SetupRefusesWhileAnotherRunHoldsAHost) {
    Lab lab;
    lab.fake("db2").set_lock_holder(kHolder);
    SetupOptions options;
    options.wait_lock = std::chrono::seconds(3);
    std::ostringstream out;
    const auto report = run_setup(three_hosts(), options, lab.factory(), out);
    EXPECT_EQ(report.exit_code, ExitCode::Refused) << out.str();
    EXPECT_TRUE(has(out.str(), "db2")) << out.str();
    EXPECT_TRUE(has(out.str(), "still held after --wait-lock 3 s by " + std::string(kHolder)))
        << out.str();
    ASSERT_EQ(lab.fake("db2").lock_requests().size(), 1u);
    EXPECT_EQ(lab.fake("db2").lock_requests()[0].wait, std::chrono::seconds(3));
    EXPECT_TRUE(lab.fake("db2").lock_requests()[0].holder.starts_with("pgrepl setup, pid "));
    // Locked in address order: db1 first (granted, then released), db3 never asked.
    EXPECT_EQ(lab.fake("db1").lock_requests().size(), 1u);
    EXPECT_TRUE(lab.fake("db3").lock_requests().empty());
    // No snapshot either: nothing but the lock was asked of any host.
    for (auto& [name, sim] : lab.hosts) EXPECT_TRUE(sim->fake().calls().empty()) << name;
    lab.expect_untouched();
}

TEST_F(HostLockRun, SetupCheckTakesNoLock) {
    Lab lab;
    lab.fake("db1").set_lock_holder(kHolder);
    SetupOptions options;
    options.mode = RunMode::Check;
    std::ostringstream out;
    (void)run_setup(three_hosts(), options, lab.factory(), out);
    EXPECT_FALSE(has(out.str(), "another pgrepl run")) << out.str();
    for (auto& [name, sim] : lab.hosts) EXPECT_TRUE(sim->fake().lock_requests().empty()) << name;
    lab.expect_untouched();
}

TEST_F(HostLockRun, PromoteRefusesAndLocksOnlyReachableHosts) {
    Lab lab;
    lab.hosts.erase("db1");  // the dead primary: not locked, not waited for
    lab.fake("db3").set_lock_holder(kHolder);
    PromoteOptions options;
    options.target = "db2";
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Refused);
    EXPECT_TRUE(
        has(out.str(), "db3: lock: another pgrepl run holds this host: " + std::string(kHolder)))
        << out.str();
    EXPECT_TRUE(has(out.str(), "--wait-lock")) << out.str();
    EXPECT_TRUE(has(out.str(), "nothing was changed")) << out.str();
    EXPECT_TRUE(lab.fake("db2").lock_requests()[0].holder.starts_with("pgrepl promote, pid "));
    lab.expect_untouched();
}

TEST_F(HostLockRun, PromoteCheckTakesNoLock) {
    Lab lab;
    lab.fake("db2").set_lock_holder(kHolder);
    PromoteOptions options;
    options.target = "db2";
    options.mode = RunMode::Check;
    std::ostringstream out;
    (void)run_promote(three_hosts(), options, lab.factory(), out);
    EXPECT_FALSE(has(out.str(), "lock:")) << out.str();
    for (auto& [name, sim] : lab.hosts) EXPECT_TRUE(sim->fake().lock_requests().empty()) << name;
}

TEST_F(HostLockRun, SwitchoverRefusesWhileAnotherRunHoldsAHost) {
    Lab lab;
    lab.fake("db1").set_lock_holder(kHolder);
    SwitchoverOptions options;
    options.target = "db2";
    std::ostringstream out;
    const auto report = run_switchover(three_hosts(), options, lab.factory(), out);
    EXPECT_EQ(report.exit_code, ExitCode::Refused) << out.str();
    EXPECT_EQ(report.outcome, SwitchoverOutcome::Decided);
    EXPECT_TRUE(has(out.str(), "refused: db1: lock: another pgrepl run holds this host: " +
                                   std::string(kHolder)))
        << out.str();
    EXPECT_TRUE(has(out.str(), "nothing was changed")) << out.str();
    lab.expect_untouched();
}

}  // namespace
}  // namespace pgrepl::promote_test
