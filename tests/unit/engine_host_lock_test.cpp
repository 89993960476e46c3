// The host lock (docs/locking.md): the lock script's text and reply, HostLink::take_lock and
// lock_links() with scripted fakes, and the dry-run guard (a check takes no lock).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <stdexcept>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/exec/dry_run.hpp"
#include "pgrepl/exec/host_lock.hpp"
#include "pgrepl/util/exit_code.hpp"
#include "support/borrowed_executor.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

Host host_at(const std::string& name, const std::string& address, int port = 22) {
    Host host;
    host.name = name;
    host.address = address;
    host.ssh.port = port;
    return host;
}

TEST(HostLockScript, TakesTheLockWithoutWaitingAndQuotesTheHolder) {
    const std::string script = host_lock_script(LockRequest{"pgrepl setup, it's $(id)", {}});
    EXPECT_TRUE(has(script, "d=/run/pgrepl")) << script;
    EXPECT_TRUE(has(script, "flock -n 9")) << script;
    EXPECT_TRUE(has(script, "[ 0 -gt 0 ]")) << script;
    EXPECT_TRUE(has(script, R"('pgrepl setup, it'\''s $(id)')")) << script;
    EXPECT_TRUE(has(script, "\ncat > /dev/null\n")) << script;
    EXPECT_TRUE(has(script, "  flock -x \"$d/active\" true\nfi\n")) << script;
    EXPECT_TRUE(script.starts_with("trap '' HUP PIPE\n")) << script;
}

TEST(HostLockScript, TheDirectoryMustBeTheUsersOwnAndPrivate) {
    // A directory left by someone else, or with looser modes, is not trusted with the lock.
    const std::string script = host_lock_script(LockRequest{"x", {}});
    EXPECT_TRUE(has(script, R"X(m=$(stat -c '%u %a' "$d") || exit 4)X")) << script;
    EXPECT_TRUE(has(script, R"X([ "${m% *}" = "$u" ] || )X")) << script;
    EXPECT_TRUE(has(script, R"X([ "${m#* }" = 700 ] || chmod 0700 "$d" || exit 4)X")) << script;
}

TEST(HostLockScript, WaitsWithFlockW) {
    const std::string script = host_lock_script(LockRequest{"x", std::chrono::seconds(25)});
    EXPECT_TRUE(has(script, "flock -w 25 9")) << script;
    EXPECT_TRUE(has(script, "[ 25 -gt 0 ]")) << script;
}

TEST(HostLockScript, HolderIsOneLine) {
    EXPECT_EQ(lock_holder_line("a\nb\tc \n"), "a b c");
    EXPECT_EQ(lock_holder_line(std::string(500, 'x')).size(), 300u);
    const std::string script = host_lock_script(LockRequest{"evil\nrm -rf /", {}});
    EXPECT_TRUE(has(script, "'evil rm -rf /'")) << script;
}

TEST(HostLockReply, ReadsTheVerdict) {
    EXPECT_EQ(read_lock_reply("").state, LockReply::State::Incomplete);
    EXPECT_EQ(read_lock_reply("lock").state, LockReply::State::Incomplete);
    EXPECT_EQ(read_lock_reply("locked\n").state, LockReply::State::Locked);
    const auto busy = read_lock_reply("busy pgrepl setup, pid 7 on ctl, since T\n");
    EXPECT_EQ(busy.state, LockReply::State::Busy);
    EXPECT_EQ(busy.holder, "pgrepl setup, pid 7 on ctl, since T");
    const auto waiting = read_lock_reply("waiting pgrepl promote, pid 8\n");
    EXPECT_EQ(waiting.state, LockReply::State::Incomplete);
    EXPECT_TRUE(waiting.waiting);
    EXPECT_EQ(waiting.holder, "pgrepl promote, pid 8");
    EXPECT_EQ(read_lock_reply("waiting A\nlocked\n").state, LockReply::State::Locked);
    const auto draining = read_lock_reply("draining pgrepl setup, pid 9\n");
    EXPECT_EQ(draining.state, LockReply::State::Incomplete);
    EXPECT_TRUE(draining.waiting);
    EXPECT_TRUE(draining.draining);
    EXPECT_EQ(draining.holder, "pgrepl setup, pid 9");
    const auto unknown = read_lock_reply("busy \n");
    EXPECT_EQ(unknown.state, LockReply::State::Busy);
    EXPECT_EQ(unknown.holder, "");
}

TEST(HostLockHolder, NamesTheCommandPidAndTime) {
    const std::string holder = lock_holder("setup");
    EXPECT_TRUE(holder.starts_with("pgrepl setup, pid " + std::to_string(getpid()) + " on "))
        << holder;
    EXPECT_TRUE(has(holder, ", since 20")) << holder;
    EXPECT_TRUE(holder.ends_with("Z")) << holder;
}

TEST(HostLockLinks, FreeLockIsTakenOnEveryHostAndReleasedOnClose) {
    FakeExecutor db1("db1");
    FakeExecutor db2("db2");
    std::vector<HostLink> links;
    links.emplace_back(host_at("db1", "10.0.0.12"), db1);
    links.emplace_back(host_at("db2", "10.0.0.11"), db2);
    lock_links(links, LockOptions{"setup", std::chrono::seconds(9)});
    EXPECT_FALSE(lock_refusal(links));
    EXPECT_TRUE(links[0].locked());
    EXPECT_TRUE(links[1].locked());
    ASSERT_EQ(db1.lock_requests().size(), 1u);
    EXPECT_EQ(db1.lock_requests()[0].wait, std::chrono::seconds(9));
    EXPECT_TRUE(db1.lock_requests()[0].holder.starts_with("pgrepl setup, pid "));
    EXPECT_EQ(db1.locks_held(), 1);
    links[0].close();
    EXPECT_EQ(db1.locks_held(), 0);
    links.clear();
    EXPECT_EQ(db2.locks_held(), 0);
    // Taking a lock runs no command.
    EXPECT_TRUE(db1.calls().empty());
}

TEST(HostLockLinks, HeldLockIsARefusalNamingTheHolder) {
    FakeExecutor db1("db1");
    FakeExecutor db2("db2");
    FakeExecutor db3("db3");
    db2.set_lock_holder("pgrepl setup, pid 4242 on ctl1, since 2026-12-02T10:00:00Z");
    std::vector<HostLink> links;
    links.emplace_back(host_at("db1", "10.0.0.11"), db1);
    links.emplace_back(host_at("db2", "10.0.0.12"), db2);
    links.emplace_back(host_at("db3", "10.0.0.13"), db3);
    lock_links(links, LockOptions{"promote", {}});
    const auto refused = lock_refusal(links);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->kind, ErrorKind::Refused);
    EXPECT_EQ(exit_code_for(refused->kind), ExitCode::Refused);
    EXPECT_EQ(describe(*refused),
              "db2: lock: another pgrepl run holds this host: pgrepl setup, pid 4242 on ctl1, "
              "since 2026-12-02T10:00:00Z");
    EXPECT_TRUE(has(refused->hint, "--wait-lock")) << refused->hint;
    EXPECT_TRUE(links[0].locked());
    EXPECT_FALSE(links[1].locked());
    // Without --wait-lock every host is asked at once: db3 was asked too (its lock goes with
    // the run, which stops here). The run got the first host (db1), so it asked db2 again,
    // waiting a moment for a run of the same cluster to refuse at db1 and let db2 go.
    EXPECT_EQ(db3.lock_requests().size(), 1u);
    ASSERT_EQ(db2.lock_requests().size(), 2u);
    EXPECT_EQ(db2.lock_requests()[0].wait, std::chrono::seconds(0));
    EXPECT_EQ(db2.lock_requests()[1].wait, std::chrono::seconds(5));
    EXPECT_EQ(db1.lock_requests().size(), 1u);
}

TEST(HostLockLinks, ARefusalAtTheFirstHostLetsTheOthersGoAtOnce) {
    FakeExecutor db1("db1");
    FakeExecutor db2("db2");
    db1.set_lock_holder("pgrepl setup, pid 7 on ctl1, since T");
    std::vector<HostLink> links;
    links.emplace_back(host_at("db2", "10.0.0.12"), db2);
    links.emplace_back(host_at("db1", "10.0.0.11"), db1);
    lock_links(links, LockOptions{"setup", {}});
    ASSERT_TRUE(lock_refusal(links));
    EXPECT_EQ(lock_refusal(links)->host, "db1");
    // db2 was asked in the same round trip and granted, then let go for the run that holds
    // db1; db1 is not asked again.
    EXPECT_EQ(db2.lock_requests().size(), 1u);
    EXPECT_EQ(db2.locks_held(), 0);
    EXPECT_FALSE(links[0].locked());
    EXPECT_EQ(db1.lock_requests().size(), 1u);
}

TEST(HostLockLinks, TheRunWithTheFirstHostGetsTheHostsAnotherRunLetsGo) {
    // Two runs of one cluster started together: the other got db2 and db3 but not db1, so it
    // refuses and lets them go; this run, refused there at first, asks again and proceeds.
    FakeExecutor db1("db1");
    FakeExecutor db2("db2");
    FakeExecutor db3("db3");
    db2.set_lock_holder_for("pgrepl setup, pid 9 on ctl1, since T", 1);
    db3.set_lock_holder_for("pgrepl setup, pid 9 on ctl1, since T", 1);
    std::vector<HostLink> links;
    links.emplace_back(host_at("db3", "10.0.0.13"), db3);
    links.emplace_back(host_at("db1", "10.0.0.11"), db1);
    links.emplace_back(host_at("db2", "10.0.0.12"), db2);
    lock_links(links, LockOptions{"setup", {}});
    EXPECT_FALSE(lock_refusal(links));
    for (const auto& link : links) EXPECT_TRUE(link.locked()) << link.host().name;
    EXPECT_EQ(db1.lock_requests().size(), 1u);
    ASSERT_EQ(db3.lock_requests().size(), 2u);
    EXPECT_EQ(db3.lock_requests()[1].wait, std::chrono::seconds(5));
}

TEST(HostLockLinks, WaitingRunsLockOneAfterTheOtherAndStopAtARefusal) {
    FakeExecutor db1("db1");
    FakeExecutor db2("db2");
    FakeExecutor db3("db3");
    db2.set_lock_holder("pgrepl promote, pid 8 on ctl2, since T");
    std::vector<HostLink> links;
    links.emplace_back(host_at("db3", "10.0.0.13"), db3);
    links.emplace_back(host_at("db2", "10.0.0.12"), db2);
    links.emplace_back(host_at("db1", "10.0.0.11"), db1);
    lock_links(links, LockOptions{"setup", std::chrono::seconds(5)});
    ASSERT_TRUE(lock_refusal(links));
    EXPECT_EQ(db1.lock_requests().size(), 1u);
    EXPECT_EQ(db2.lock_requests().size(), 1u);
    EXPECT_TRUE(db3.lock_requests().empty());  // after db2 in the order: never asked
}

TEST(HostLockLinks, StillHeldAfterTheWaitSaysSo) {
    FakeExecutor db1("db1");
    db1.set_lock_holder("pgrepl switchover, pid 1 on ctl, since T");
    std::vector<HostLink> links;
    links.emplace_back(host_at("db1", "10.0.0.11"), db1);
    lock_links(links, LockOptions{"setup", std::chrono::seconds(5)});
    const auto refused = lock_refusal(links);
    ASSERT_TRUE(refused);
    EXPECT_TRUE(has(refused->message, "still held after --wait-lock 5 s by pgrepl switchover"))
        << refused->message;
}

TEST(HostLockLinks, ALockFailureStopsTheRun) {
    FakeExecutor db1("db1");
    db1.fail_lock(make_host_error(ErrorKind::Sudo, "db1", "lock", "sudo: a password is required"));
    std::vector<HostLink> links;
    links.emplace_back(host_at("db1", "10.0.0.11"), db1);
    lock_links(links, LockOptions{"setup", {}});
    const auto refused = lock_refusal(links);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->kind, ErrorKind::Sudo);
}

TEST(HostLockLinks, OneLockPerAddressInAddressOrderAndNoneInCheckMode) {
    FakeExecutor db1("db1");
    FakeExecutor archive("archive");
    FakeExecutor db2("db2");
    FakeExecutor checked("db3");
    std::vector<HostLink> links;
    links.emplace_back(host_at("db1", "10.0.0.12"), db1);
    links.emplace_back(host_at("db2", "10.0.0.11"), db2);
    links.emplace_back(host_at("db3", "10.0.0.13"), checked, RunMode::Check);
    links.emplace_back(host_at("db1-archive", "10.0.0.12"), archive);  // the same host again
    links.emplace_back(host_at("db4", "10.0.0.14"));                   // not connected
    // db2 (10.0.0.11) comes before db1 (10.0.0.12): a busy db2 is the first host, so db1,
    // asked in the same round trip, is let go and not asked again.
    db2.set_lock_holder("other");
    lock_links(links, LockOptions{"setup", {}});
    EXPECT_EQ(lock_refusal(links)->host, "db2");
    EXPECT_EQ(db1.lock_requests().size(), 1u);
    EXPECT_EQ(db1.locks_held(), 0);
    db1.clear_lock_requests();
    FakeExecutor free_db2("db2");
    links[1] = HostLink(host_at("db2", "10.0.0.11"), free_db2);
    links[0] = HostLink(host_at("db1", "10.0.0.12"), db1);
    lock_links(links, LockOptions{"setup", {}});
    EXPECT_FALSE(lock_refusal(links));
    EXPECT_EQ(db1.lock_requests().size(), 1u);
    EXPECT_EQ(free_db2.lock_requests().size(), 1u);
    EXPECT_TRUE(archive.lock_requests().empty());
    EXPECT_TRUE(checked.lock_requests().empty());
}

TEST(HostLockLinks, NoCommandNoLock) {
    FakeExecutor db1("db1");
    std::vector<HostLink> links;
    links.emplace_back(host_at("db1", "10.0.0.11"), db1);
    lock_links(links, LockOptions{});
    EXPECT_TRUE(db1.lock_requests().empty());
}

TEST(HostLockLinks, OpenLinksLocksBeforeThenAndSkipsThenOnARefusal) {
    FakeExecutor db1("db1");
    FakeExecutor db2("db2");
    auto factory = [&](const Host& host) -> Result<std::unique_ptr<Executor>> {
        return std::unique_ptr<Executor>(
            std::make_unique<test::BorrowedExecutor>(host.name == "db1" ? db1 : db2));
    };
    std::vector<HostLink> links;
    links.emplace_back(host_at("db1", "10.0.0.11"));
    links.emplace_back(host_at("db2", "10.0.0.12"));
    ConnectOptions options;
    options.lock = LockOptions{"setup", {}};
    std::atomic<int> thens{0};
    open_links(links, factory, options, [&](std::size_t, HostLink& link) {
        EXPECT_TRUE(link.locked());
        ++thens;
    });
    EXPECT_EQ(thens.load(), 2);
    links.clear();
    db2.set_lock_holder("someone");
    links.emplace_back(host_at("db1", "10.0.0.11"));
    links.emplace_back(host_at("db2", "10.0.0.12"));
    open_links(links, factory, options, [&](std::size_t, HostLink&) { ++thens; });
    EXPECT_EQ(thens.load(), 2);
    EXPECT_TRUE(lock_refusal(links));
}

TEST(HostLockGuard, ACheckTakesNoLock) {
    FakeExecutor db1("db1");
    auto guard = make_dry_run_guard(db1);
    EXPECT_THROW((void)guard->hold_lock(LockRequest{"x", {}}), std::logic_error);
    std::vector<HostLink> links;
    links.emplace_back(host_at("db1", "10.0.0.11"), db1, RunMode::Check);
    lock_links(links, LockOptions{"setup", {}});  // never reaches the guard
    EXPECT_FALSE(lock_refusal(links));
    EXPECT_FALSE(links[0].locked());
    EXPECT_TRUE(db1.lock_requests().empty());
}

}  // namespace
}  // namespace pgrepl
