// Hosts that fail mid-way through a setup (issue 13 §4): a replica's disk fills during its
// pg_basebackup, its network is cut during the copy, its SSH session is killed mid-step, the
// primary's PostgreSQL is killed in the role step. Each run ends with a message naming the host
// and the cause, the other hosts are unaffected, and a plain re-run (no --force) converges once
// the cause is gone.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "rerun_support.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

// The lines of `text` that contain `word`, for the test's log.
void print_lines_with(const std::string& label, const std::string& text, const std::string& word) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const auto line = text.substr(start, end - start);
        if (line.find(word) != std::string::npos) std::cout << label << ": " << line << "\n";
        start = end + 1;
    }
}

// The replicas that stream from db1, "db2|streaming\n..." ordered by name.
std::string streaming_from_db1(const std::string& expected) {
    return wait_for_sql("db1", "SELECT application_name, state FROM pg_stat_replication ORDER BY 1",
                        expected, 30);
}

// A primary with about 200 MB (primary_with_data), then a full setup in the background, returned
// once db3's pg_basebackup has begun to write into its data directory.
std::unique_ptr<BackgroundProcess> db3_copying(const std::string& inventory) {
    primary_with_data(inventory);
    if (::testing::Test::HasFatalFailure()) return nullptr;
    auto run = setup_until(inventory, "db3: pg_basebackup from db1");
    if (!run) return nullptr;
    if (!wait_on_host("db3", std::string("[ -n \"$(ls -A ") + kDataDir +
                                 ")\" ] && pgrep -x pg_basebackup >/dev/null")) {
        ADD_FAILURE() << "db3's pg_basebackup never began";
        return nullptr;
    }
    return run;
}

// After a fault on db3: no error named db1 or db2, a plain re-run converges, db3 holds the data.
void expect_db3_alone_failed_then_converges(const std::string& said, const std::string& inventory) {
    EXPECT_EQ(said.find("error db2"), std::string::npos) << said;
    EXPECT_EQ(said.find("error db1"), std::string::npos) << said;
    ASSERT_NO_FATAL_FAILURE(expect_rerun_converges(inventory));
    EXPECT_EQ(wait_for_sql("db3", "SELECT count(*) FROM e2e_filler", "500000"), "500000");
}

TEST(FaultDiskFull, ReplicaDiskFillsDuringTheBaseBackup) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    ASSERT_NO_FATAL_FAILURE(primary_with_data(inventory));
    // db3's /var/lib/postgresql/15 is a 120 MB file system: its copy of 200 MB cannot fit.
    auto mounted = lab_shell(
        "db3",
        "set -e; install -d -o postgres -g postgres /var/lib/postgresql/15; mount -t tmpfs "
        "-o size=120m,mode=0755,uid=$(id -u postgres),gid=$(id -g postgres) pgrepl-small "
        "/var/lib/postgresql/15");
    ASSERT_EQ(mounted.exit_code, 0) << mounted.describe();
    Restore unmount([] {
        lab_shell("db3",
                  "pg_ctlcluster 15 main stop -m immediate 2>/dev/null; pkill -x pg_basebackup; "
                  "sleep 0.5; umount /var/lib/postgresql/15 || umount -l /var/lib/postgresql/15");
    });

    auto full = run_pgrepl({"setup", inventory});
    const auto said = full.out + full.err;
    print_lines_with("full", said, "db3");
    EXPECT_NE(full.exit_code, 0) << full.describe();
    EXPECT_NE(said.find("No space left on device"), std::string::npos) << said;
    EXPECT_NE(said.find("error db3: replica"), std::string::npos) << said;
    EXPECT_NE(said.find("on db3 is full"), std::string::npos) << said;
    // db2 is unaffected: it streams and holds the data.
    EXPECT_EQ(streaming_from_db1("db2|streaming"), "db2|streaming");
    EXPECT_EQ(wait_for_sql("db2", "SELECT count(*) FROM e2e_filler", "500000"), "500000");
    std::cout << "db3 after the failed copy: " << data_dir_state("db3") << "\n"
              << lab_shell("db3", "df -m /var/lib/postgresql/15 | tail -1").out << std::endl;

    // Space again: the half-copied directory is re-cloned by a plain run.
    auto grown = lab_shell("db3", "mount -o remount,size=1g /var/lib/postgresql/15");
    ASSERT_EQ(grown.exit_code, 0) << grown.describe();
    expect_db3_alone_failed_then_converges(said, inventory);
}

TEST(FaultNetworkCut, ReplicaNetworkCutDuringTheBaseBackup) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    Restore relink([] { run_lab({"link", "db3", "up"}); });
    auto run = db3_copying(inventory);
    ASSERT_TRUE(run);
    // The cable is out for 20 s (no FIN, no RST: the packets are lost), then back.
    auto down = run_lab({"link", "db3", "down"});
    ASSERT_EQ(down.exit_code, 0) << down.describe();
    std::this_thread::sleep_for(20s);
    std::cout << "db3 during the cut: " << data_dir_state("db3") << std::endl;
    auto up = run_lab({"link", "db3", "up"});
    ASSERT_EQ(up.exit_code, 0) << up.describe();

    // TCP retransmits once the link is back: the run finishes, or names db3 and the cause.
    auto result = run->wait();
    const auto said = result.out + result.err;
    print_lines_with("cut", said, "error");
    std::cout << "the run after the cut: exit " << result.exit_code << " in "
              << result.duration.count() << " ms" << std::endl;
    if (result.exit_code != 0) {
        EXPECT_NE(said.find("error db3"), std::string::npos) << said;
    }
    expect_db3_alone_failed_then_converges(said, inventory);
}

TEST(FaultSshDrop, SshSessionKilledMidStep) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    auto run = db3_copying(inventory);
    ASSERT_TRUE(run);
    // Every sshd process of pgrepl's sessions on db3 (not the listener) dies at once.
    auto killed = lab_shell("db3", "pkill -KILL -f '^sshd: root'");
    ASSERT_EQ(killed.exit_code, 0) << killed.describe();

    auto result = run->wait();
    const auto said = result.out + result.err;
    print_lines_with("killed", said, "error");
    EXPECT_NE(result.exit_code, 0) << result.describe();
    EXPECT_NE(said.find("error db3"), std::string::npos) << said;
    EXPECT_NE(said.find("SSH connection"), std::string::npos) << said;
    // db2 streams; db3's pg_basebackup, orphaned by its session, may still be copying.
    EXPECT_EQ(wait_for_sql("db1",
                           "SELECT state FROM pg_stat_replication WHERE application_name "
                           "= 'db2'",
                           "streaming"),
              "streaming");
    EXPECT_EQ(said.find("replication logins"), std::string::npos) << "a wrong hint: " << said;
    std::cout << "db3 after the dropped session: " << data_dir_state("db3") << std::endl;
    expect_db3_alone_failed_then_converges(said, inventory);
}

TEST(FaultPrimaryKilled, PrimaryKilledInTheRoleStep) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);

    auto run = setup_until(inventory, "db1: create role");
    ASSERT_TRUE(run);
    // Freeze pgrepl where it is, kill the primary's postmaster and its children, go on.
    run->send(SIGSTOP);
    auto killed = lab_shell("db1", "pkill -KILL -x postgres");
    run->send(SIGCONT);
    ASSERT_EQ(killed.exit_code, 0) << killed.describe();

    auto result = run->wait();
    const auto said = result.out + result.err;
    print_lines_with("killed", said, "error");
    EXPECT_NE(result.exit_code, 0) << result.describe();
    EXPECT_NE(said.find("error db1"), std::string::npos) << said;
    for (const char* host : {"db1", "db2", "db3"})
        std::cout << host << " after the kill: " << data_dir_state(host) << "\n";
    ASSERT_NO_FATAL_FAILURE(expect_rerun_converges(inventory));
}

}  // namespace
}  // namespace pgrepl::e2e
