// pgrepl setup killed half-way (kill -9 on the control node; the SSH sessions drop with it):
// during a replica's pg_basebackup, between the clone and the standby's first start, during the
// primary's restart. A plain re-run (no --force) converges with every replica streaming, and a
// further run changes nothing. The data directory of another system in a clone's place (with
// pgrepl's clone marker left next to it) is still refused.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include "pgrepl/exec/quote.hpp"
#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDataDir = "/var/lib/postgresql/15/main";
constexpr const char* kMarker = "/etc/postgresql/15/main/pgrepl.cloning";

// What a replica's data directory holds, one word each: "empty", "control" (pg_control is
// there: the copy finished), "label" (backup_label: never started), "signal" (standby.signal),
// "running" (a postmaster), "basebackup" (a pg_basebackup process), "marker".
std::string data_dir_state(const std::string& host) {
    const std::string d = kDataDir;
    auto state = lab_shell(
        host,
        "cd / && D=" + d + "; [ -n \"$(ls -A $D 2>/dev/null)\" ] || echo empty; " +
            "[ -f $D/global/pg_control ] && echo control; " +
            "[ -f $D/backup_label ] && echo label; [ -f $D/standby.signal ] && echo signal; " +
            "[ -f $D/postmaster.pid ] && echo running; " +
            "pgrep -x pg_basebackup >/dev/null && echo basebackup; " + "[ -f " + kMarker +
            " ] && echo marker; true");
    std::string words = state.out;
    for (auto& c : words)
        if (c == '\n') c = ' ';
    return words;
}

std::string system_identifier(const std::string& host) {
    auto out = lab_shell(host, std::string("LC_ALL=C /usr/lib/postgresql/15/bin/pg_controldata ") +
                                   kDataDir + " | sed -n 's/^Database system identifier: *//p'");
    return out.out;
}

// After an interrupted run: a plain setup converges, verify is healthy, the next setup changes
// nothing, and no clone marker is left behind.
void expect_rerun_converges(const std::string& inventory) {
    auto again = run_pgrepl({"setup", inventory});
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    std::istringstream lines(again.out + again.err);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("pg_basebackup") != std::string::npos ||
            line.find("re-clone") != std::string::npos)
            std::cout << "re-run: " << line << "\n";
    }
    const std::string streaming = "db2|streaming\ndb3|streaming";
    EXPECT_EQ(
        wait_for_sql("db1", "SELECT application_name, state FROM pg_stat_replication ORDER BY 1",
                     streaming),
        streaming);
    auto verify = run_pgrepl({"verify", inventory});
    EXPECT_EQ(verify.exit_code, 0) << verify.describe();
    auto third = run_pgrepl({"setup", inventory});
    EXPECT_EQ(third.exit_code, 0) << third.describe();
    EXPECT_EQ(recap_changed(third.out).size(), 3u) << third.out;
    for (const auto& [host, changed] : recap_changed(third.out))
        EXPECT_EQ(changed, 0) << host << "\n" << third.out;
    for (const char* host : {"db2", "db3"})
        EXPECT_EQ(data_dir_state(host).find("marker"), std::string::npos) << host;
}

// Polls the shell `condition` inside `host` every 20 ms until it holds (true) or 60 s passed.
bool wait_on_host(const std::string& host, const std::string& condition) {
    auto polled = lab_shell(host, "i=0; until " + condition +
                                      "; do sleep 0.02; i=$((i+1)); [ $i -lt 3000 ] || exit 1; "
                                      "done");
    return polled.exit_code == 0;
}

// Starts `pgrepl -v setup INVENTORY` in the background and waits until it logs `line` (the
// debug line of a remote command: the command is about to run); nullptr when it never does.
std::unique_ptr<BackgroundProcess> setup_until(const std::string& inventory,
                                               const std::string& line) {
    auto run = start_pgrepl({"-v", "setup", inventory});
    if (run->wait_for_output(line, 120s)) return run;
    ADD_FAILURE() << "pgrepl never logged '" << line << "': " << run->wait().describe();
    return nullptr;
}

// Kills pgrepl (SIGKILL) and expects it dead by that signal.
void kill_pgrepl(BackgroundProcess& run) {
    run.send(SIGKILL);
    auto result = run.wait();
    EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.describe();
}

TEST(InterruptedClone, KilledDuringTheBaseBackup) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    // The primary first, with some hundreds of MB, so that a replica's copy takes a while.
    auto primary = run_pgrepl({"setup", inventory, "--limit", "db1"});
    ASSERT_EQ(primary.exit_code, 0) << primary.describe();
    auto filled = host_sql("db1",
                           "CREATE TABLE e2e_filler AS SELECT g, repeat('x', 400) AS pad FROM "
                           "generate_series(1, 500000) g; CHECKPOINT;");
    ASSERT_TRUE(filled.ok) << filled.err;

    auto run = setup_until(inventory, "db2: pg_basebackup from db1");
    ASSERT_TRUE(run);
    // The copy has begun once files arrive in the emptied data directory.
    ASSERT_TRUE(wait_on_host("db2", std::string("[ -n \"$(ls -A ") + kDataDir +
                                        ")\" ] && pgrep -x pg_basebackup >/dev/null"));
    kill_pgrepl(*run);
    const auto at_kill = data_dir_state("db2");
    std::cout << "db2 right after the kill: " << at_kill << std::endl;
    EXPECT_EQ(at_kill.find("signal"), std::string::npos) << at_kill;
    std::this_thread::sleep_for(2s);
    std::cout << "db2 2 s later: " << data_dir_state("db2") << "\n"
              << lab_shell("db2", "ps -o pid,ppid,etime,args -C pg_basebackup || true").out
              << std::endl;

    ASSERT_NO_FATAL_FAILURE(expect_rerun_converges(inventory));
    EXPECT_EQ(wait_for_sql("db2", "SELECT count(*) FROM e2e_filler", "500000"), "500000");
}

TEST(InterruptedClone, KilledBetweenTheCloneAndTheFirstStart) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    // The control node freezes (SIGSTOP, a laptop lid closed) while db2 copies; the copy
    // finishes; then pgrepl dies. db2 holds a complete clone, never started.
    auto run = setup_until(inventory, "db2: pg_basebackup from db1");
    ASSERT_TRUE(run);
    const bool copying = wait_on_host("db2", "pgrep -x pg_basebackup >/dev/null");
    run->send(SIGSTOP);
    ASSERT_TRUE(copying);
    EXPECT_TRUE(wait_on_host("db2", std::string("[ -f ") + kDataDir +
                                        "/global/pg_control ] && ! pgrep -x pg_basebackup "
                                        ">/dev/null"));
    kill_pgrepl(*run);
    const std::string primary_id = system_identifier("db1");
    const auto state = data_dir_state("db2");
    EXPECT_NE(state.find("control"), std::string::npos) << state;
    EXPECT_EQ(state.find("signal"), std::string::npos) << state;
    EXPECT_EQ(state.find("running"), std::string::npos) << state;
    EXPECT_EQ(system_identifier("db2"), primary_id);
    std::cout << "db2 after the kill: " << state
              << "\ndb3 after the kill: " << data_dir_state("db3") << std::endl;
    const std::string marker = lab_shell("db2", std::string("cat ") + kMarker).out;

    // --check says what the run will do: re-clone, not refuse.
    auto plan = run_pgrepl({"setup", "--check", inventory});
    EXPECT_EQ(plan.exit_code, 0) << plan.describe();
    EXPECT_NE(plan.out.find("re-clone"), std::string::npos) << plan.out;
    ASSERT_NO_FATAL_FAILURE(expect_rerun_converges(inventory));

    // Another system's stopped primary, holding data, in db2's place, with the marker of the
    // interrupted clone put back: refused (exit 3), its data kept.
    auto foreign = lab_shell(
        "db2", std::string("set -e; pg_ctlcluster 15 main stop; rm -rf ") + kDataDir +
                   "; runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D " + kDataDir +
                   " >/dev/null; pg_ctlcluster 15 main start; runuser -u postgres -- psql -X -q "
                   "-c 'CREATE DATABASE shop'; pg_ctlcluster 15 main stop; printf %s " +
                   shell_quote(marker) + " > " + kMarker);
    ASSERT_EQ(foreign.exit_code, 0) << foreign.describe();
    const std::string foreign_id = system_identifier("db2");
    ASSERT_NE(foreign_id, primary_id);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"setup", "--check", inventory},
          std::vector<std::string>{"setup", inventory}}) {
        auto refused = run_pgrepl(args);
        EXPECT_EQ(refused.exit_code, 3) << refused.describe();
        EXPECT_NE((refused.out + refused.err).find("refusing to replace a stopped primary"),
                  std::string::npos)
            << refused.describe();
    }
    EXPECT_EQ(system_identifier("db2"), foreign_id) << "db2's data must be kept";
}

TEST(InterruptedPrimaryRestart, KilledDuringThePrimarysRestart) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    auto run = setup_until(inventory, "db1: pg_ctlcluster restart -m fast");
    ASSERT_TRUE(run);
    std::this_thread::sleep_for(150ms);
    kill_pgrepl(*run);
    std::cout << "db1 after the kill: " << data_dir_state("db1") << std::endl;
    ASSERT_NO_FATAL_FAILURE(expect_rerun_converges(inventory));
}

}  // namespace
}  // namespace pgrepl::e2e
