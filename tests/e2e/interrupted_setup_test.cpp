// pgrepl setup killed half-way (kill -9 on the control node; the SSH sessions drop with it):
// during a replica's pg_basebackup, between the clone and the standby's first start, during the
// primary's first start. A plain re-run (no --force) converges with every replica streaming, and a
// further run changes nothing. The data directory of another system in a clone's place (with
// pgrepl's clone marker left next to it) is still refused.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "pgrepl/exec/quote.hpp"
#include "rerun_support.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

std::string system_identifier(const std::string& host) {
    auto out = lab_shell(host, std::string("LC_ALL=C /usr/lib/postgresql/15/bin/pg_controldata ") +
                                   kDataDir + " | sed -n 's/^Database system identifier: *//p'");
    return out.out;
}

TEST(InterruptedClone, KilledDuringTheBaseBackup) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    ASSERT_NO_FATAL_FAILURE(primary_with_data(inventory));

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

TEST(InterruptedPrimaryRestart, KilledDuringThePrimarysFirstStart) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    // A new primary starts once, after its settings (no restart on a first run).
    auto run = setup_until(inventory, "db1: pg_ctlcluster start");
    ASSERT_TRUE(run);
    std::this_thread::sleep_for(150ms);
    kill_pgrepl(*run);
    std::cout << "db1 after the kill: " << data_dir_state("db1") << std::endl;
    ASSERT_NO_FATAL_FAILURE(expect_rerun_converges(inventory));
}

}  // namespace
}  // namespace pgrepl::e2e
