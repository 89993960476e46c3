// The host lock over a real SSH session (throwaway local sshd): taken, refused naming the
// holder while held, released when the HeldLock goes, and waited for with a wait.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "exec_local_sshd.hpp"

namespace pgrepl {
namespace {

using namespace std::chrono_literals;

TEST_F(ExecSshLocal, HostLockIsHeldWhileItsChannelIsOpen) {
    auto first = connect(server_->host());
    auto second = connect(server_->host());
    ASSERT_TRUE(first && second);
    auto held = first->hold_lock(LockRequest{"first run, it's $(id)", {}});
    ASSERT_TRUE(held) << held.error().message;
    ASSERT_TRUE(held->held);
    // The session stays usable for commands while the lock is held.
    auto echo = first->run(command("echo still usable"));
    ASSERT_TRUE(echo);
    EXPECT_EQ(echo->out, "still usable\n");

    auto busy = second->hold_lock(LockRequest{"second run", {}});
    ASSERT_TRUE(busy) << busy.error().message;
    EXPECT_FALSE(busy->held);
    EXPECT_EQ(busy->holder, "first run, it's $(id)");

    // A waiting run gets it once the holder lets go.
    std::thread release([&] {
        std::this_thread::sleep_for(700ms);
        held->held.reset();
    });
    const auto start = std::chrono::steady_clock::now();
    auto waited = second->hold_lock(LockRequest{"second run", 10s});
    release.join();
    ASSERT_TRUE(waited) << waited.error().message;
    EXPECT_TRUE(waited->held);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
    waited->held.reset();

    auto again = first->hold_lock(LockRequest{"first run again", 1s});
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->held);
}

}  // namespace
}  // namespace pgrepl
