// One run at a time (docs/locking.md): two setups started together, one completes and the other
// refuses naming it; promote refuses while a setup holds the hosts; verify does not block; the
// lock of a killed run is released with its SSH session (a run waiting with --wait-lock then
// proceeds).
#include <gtest/gtest.h>

#include <signal.h>

#include <thread>

#include "pgrepl/exec/executor.hpp"
#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(Lock, OneRunAtATime) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);

    // Two setups at once: the first to end is the one refused, naming the other one's pid.
    auto first = start_pgrepl({"-v", "setup", inventory});
    auto second = start_pgrepl({"-v", "setup", inventory});
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (first->running() && second->running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(first->running() != second->running()) << "neither ended, or both";
    BackgroundProcess& winner = first->running() ? *first : *second;
    BackgroundProcess& loser = first->running() ? *second : *first;
    const auto refused = loser.wait();
    EXPECT_EQ(refused.exit_code, 3) << refused.describe();
    EXPECT_TRUE(
        has(refused.out + refused.err, "another pgrepl run holds this host: pgrepl setup, pid " +
                                           std::to_string(winner.pid()) + " on "))
        << refused.describe();
    EXPECT_TRUE(has(refused.out + refused.err, "--wait-lock")) << refused.describe();

    // The winner holds every host (db3 is locked last); freeze it there, its sessions open.
    ASSERT_TRUE(winner.wait_for_output("db3: lock taken", 30s));
    winner.send(SIGSTOP);

    // promote refuses and changes nothing; verify takes no lock and is not held up.
    auto promote = run_pgrepl({"promote", "db2", "-i", inventory});
    EXPECT_EQ(promote.exit_code, 3) << promote.describe();
    EXPECT_TRUE(has(promote.out, "lock: another pgrepl run holds this host: pgrepl setup, pid " +
                                     std::to_string(winner.pid())))
        << promote.describe();
    EXPECT_TRUE(has(promote.out, "nothing was changed")) << promote.describe();
    auto verify = run_pgrepl({"verify", inventory});
    EXPECT_LT(verify.duration, 30s) << verify.describe();
    EXPECT_FALSE(has(verify.out + verify.err, "lock")) << verify.describe();

    // A setup that waits; then the holder dies: the kernel releases its lock with its session,
    // and the waiting run proceeds and completes.
    auto waiting = start_pgrepl({"setup", "--wait-lock", "60", inventory});
    EXPECT_TRUE(
        waiting->wait_for_output("waiting up to 60 s for the lock held by pgrepl setup", 30s));
    winner.send(SIGKILL);
    EXPECT_EQ(winner.wait().exit_code, 128 + SIGKILL);
    const auto done = waiting->wait();
    EXPECT_EQ(done.exit_code, 0) << done.describe();
    EXPECT_LT(done.duration, 120s) << done.describe();

    // Converged: a plain run changes nothing.
    auto again = run_pgrepl({"setup", inventory});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    for (const auto& [host, changed] : recap_changed(again.out))
        EXPECT_EQ(changed, 0) << host << "\n" << again.out;
}

// A sudoer takes the same lock as root, through sudo: /run/pgrepl is root's and 0700, so no
// other local user can hold the lock or write a false holder.
TEST(Lock, SudoUserTakesRootsLock) {
    Host as_op = lab_host("db1");
    as_op.ssh.user = "pgrepl-op";
    auto op = connect_or_fail(as_op);
    auto root = connect_or_fail(lab_host("db1"));
    ASSERT_TRUE(op && root);
    auto held = op->hold_lock(LockRequest{"pgrepl setup, pid 1 on sudo-test", {}});
    ASSERT_TRUE(held) << explain(held.error());
    ASSERT_TRUE(held->held);
    const ProcessResult stat =
        lab_shell("db1",
                  "stat -c '%a %U %G' /run/pgrepl; stat -c '%U' /run/pgrepl/lock "
                  "/run/pgrepl/holder");
    EXPECT_EQ(stat.out, "700 root root\nroot\nroot\n") << stat.describe();
    auto busy = root->hold_lock(LockRequest{"second", {}});
    ASSERT_TRUE(busy) << explain(busy.error());
    EXPECT_FALSE(busy->held);
    EXPECT_EQ(busy->holder, "pgrepl setup, pid 1 on sudo-test");
    const ProcessResult other =
        lab_shell("db1",
                  "su -s /bin/sh pgrepl-nosudo -c 'flock -n /run/pgrepl/lock true; "
                  "echo x > /run/pgrepl/holder' 2>/dev/null; echo $?");
    EXPECT_NE(other.out, "0\n") << other.describe();
    held->held.reset();
    auto again = root->hold_lock(LockRequest{"root", 5s});
    ASSERT_TRUE(again) << explain(again.error());
    EXPECT_TRUE(again->held);
}

}  // namespace
}  // namespace pgrepl::e2e
