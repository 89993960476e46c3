// run_promote against simulated hosts: the plan in --check mode (nothing mutating reaches a
// host), a refusal that changes nothing, and a failover with a dead primary.
#include <gtest/gtest.h>

#include "support/borrowed_executor.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "pgrepl/promote/promote.hpp"
#include "promote_test_util.hpp"
#include "support/sim_host.hpp"

namespace pgrepl::promote_test {
namespace {

using test::SimHost;
using test::SimState;

constexpr const char* kStandbyConf = "/etc/postgresql/15/main/conf.d/pgrepl-standby.conf";

SimState standby_state(const std::string& receive) {
    SimState state;
    state.role = LiveRole::Standby;
    state.standby_signal = true;
    state.system_identifier = kSystem;
    state.receiver_status = "waiting";
    state.receive_lsn = receive;
    state.replay_lsn = receive;
    state.primary_conninfo = "host=10.0.0.11 port=5432";
    state.queries["slots"] = "";
    state.queries["fresh"] = "0|0|0\n";
    state.login = HostSnapshot::Login{true, kSystem, "1", ""};
    return state;
}

/// A standby whose WAL receiver still streams from db1 and heard from it `silence_ms` ago
/// (wal_receiver_timeout 10 s), as after a power loss of db1.
SimState streaming_state(const std::string& receive, int silence_ms) {
    SimState state = standby_state(receive);
    state.receiver_status = "streaming";
    state.receiver_silence_ms = std::to_string(silence_ms);
    state.receiver_heard_us = "1700000000000000";
    state.receiver_timeout_ms = "10000";
    return state;
}

struct Lab {
    std::map<std::string, std::unique_ptr<SimHost>> hosts;  // db1 missing: unreachable

    ExecutorFactory factory() {
        return [this](const Host& host) -> Result<std::unique_ptr<Executor>> {
            auto it = hosts.find(host.name);
            if (it == hosts.end()) {
                return make_error(ErrorKind::Connect, host.name + ": connect: timeout");
            }
            return std::unique_ptr<Executor>(
                std::make_unique<test::BorrowedExecutor>(it->second->fake()));
        };
    }
};

Lab dead_primary_lab() {
    Lab lab;
    lab.hosts["db2"] = std::make_unique<SimHost>("db2", standby_state("0/5000060"));
    lab.hosts["db3"] = std::make_unique<SimHost>("db3", standby_state("0/5000060"));
    return lab;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(PromoteRun, CheckModeShowsThePlanAndChangesNothing) {
    auto lab = dead_primary_lab();
    PromoteOptions options;
    options.target = "db2";
    options.mode = RunMode::Check;
    options.update_inventory = UpdateInventory::Yes;
    std::ostringstream out;
    const auto report = run_promote(three_hosts(), options, lab.factory(), out);
    const auto code = report.exit_code;
    const std::string text = out.str();
    EXPECT_EQ(code, ExitCode::Ok) << text;
    // The report holds what was printed, as values: the run from its start to its end.
    ASSERT_FALSE(report.events.empty());
    EXPECT_TRUE(std::holds_alternative<PromoteStarted>(report.events.front()));
    EXPECT_TRUE(std::holds_alternative<PromoteDone>(report.events.back()));
    EXPECT_EQ(std::count_if(
                  report.events.begin(), report.events.end(),
                  [](const PromoteEvent& e) { return std::holds_alternative<PromotePlanned>(e); }),
              1);
    EXPECT_TRUE(has(text, "db1 is unreachable")) << text;
    EXPECT_TRUE(has(text, "decision: promote db2")) << text;
    EXPECT_TRUE(has(text, "db2: would promote it (SELECT pg_promote())")) << text;
    EXPECT_TRUE(has(text, "db2: slots: would change: create physical slot(s) db3")) << text;
    EXPECT_TRUE(has(text, "db3: replica: would change: point the standby at db2")) << text;
    EXPECT_TRUE(has(text, "  db2  primary\n")) << text;
    EXPECT_TRUE(has(text, "inventory.yaml:3: db1: role: primary -> replica")) << text;
    EXPECT_TRUE(has(text, "inventory.yaml:4: db2: role: replica -> primary")) << text;
    EXPECT_TRUE(has(text, "--update-inventory: would rewrite")) << text;
    EXPECT_TRUE(has(text, "nothing was changed")) << text;
    for (const auto& [name, sim] : lab.hosts) EXPECT_EQ(sim->fake().mutating_calls(), 0) << name;
}

TEST(PromoteRun, LivePrimaryIsRefusedAndNothingChanges) {
    auto lab = dead_primary_lab();
    SimState primary_state;
    primary_state.system_identifier = kSystem;
    primary_state.current_lsn = "0/5000060";
    lab.hosts["db1"] = std::make_unique<SimHost>("db1", primary_state);
    PromoteOptions options;
    options.target = "db2";
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Refused);
    EXPECT_TRUE(has(out.str(), "refused: db1 is running as the primary")) << out.str();
    for (const auto& [name, sim] : lab.hosts) EXPECT_EQ(sim->fake().mutating_calls(), 0) << name;
}

TEST(PromoteRun, UnknownTargetIsAUsageError) {
    auto lab = dead_primary_lab();
    PromoteOptions options;
    options.target = "db7";
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Usage);
    for (const auto& [name, sim] : lab.hosts) EXPECT_TRUE(sim->fake().calls().empty()) << name;
}

TEST(PromoteRun, FailsOverToTheTargetAndRePointsTheOthers) {
    auto lab = dead_primary_lab();
    SimHost& db2 = *lab.hosts["db2"];
    SimHost& db3 = *lab.hosts["db3"];
    db2.fake()
        .expect_run("SELECT pg_promote(false);")
        .mutation(Mutation::Mutating)
        .does([&](const Command&) {
            db2.state().role = LiveRole::Primary;
            return Result<CommandResult>(command_ok("t\noff|747|2\n"));
        });
    db2.fake()
        .expect_run("psql")
        .with_stdin("pg_create_physical_replication_slot('db3', true)")
        .as(RunAs::Postgres)
        .does([&](const Command&) {
            db2.state().queries["slots"] = "db3|physical|f|||\n";
            return Result<CommandResult>(command_ok("db3|0/5000100\n"));
        });
    // The slot promote creates on the new primary is recorded as pgrepl's there.
    db2.fake().expect_write("/etc/postgresql/15/main/pgrepl.slots").content("\ndb3\n");
    db3.fake().expect_write(kStandbyConf).content("host=10.0.0.12");
    db3.fake().expect_write("/var/lib/postgresql/15/main/standby.signal");
    // The reload loads the new primary_conninfo (the replica step checks the live setting).
    db3.fake().expect_run("reload").does([&](const Command&) {
        db3.state().primary_conninfo = "host=10.0.0.12 port=5432";
        return Result<CommandResult>(command_ok());
    });
    db3.fake().expect_run("received_tli >= 2", command_ok("streaming|2|end\n"));
    db3.fake().expect_run("SELECT status FROM pg_stat_wal_receiver", command_ok());
    PromoteOptions options;
    options.target = "db2";
    std::ostringstream out;
    const auto code = run_promote(three_hosts(), options, lab.factory(), out).exit_code;
    const std::string text = out.str();
    EXPECT_EQ(code, ExitCode::Ok) << text;
    EXPECT_TRUE(has(text, "db2: promoted: accepts writes on timeline 2")) << text;
    EXPECT_TRUE(has(text, "db2: slots: changed: create physical slot(s) db3")) << text;
    EXPECT_TRUE(has(text, "db3: replica: changed: point the standby at db2")) << text;
    EXPECT_TRUE(has(text, "db3: streaming from db2 on timeline 2")) << text;
    EXPECT_TRUE(has(text, "db1  replica  (unreachable: assumed dead, NOT fenced")) << text;
    EXPECT_TRUE(has(text, "1 standby(s) following")) << text;
    EXPECT_TRUE(has(text, "timings: writable_ms=")) << text;
}

// The reachability probe decides before any SSH connection: a silent host is down (no SSH
// connection is tried), one that refuses the connection is up and blocks the promotion.
// Host names recorded from the parallel threads that probe and connect.
struct Names {
    std::mutex mutex;
    std::vector<std::string> list;

    void add(const std::string& name) {
        std::lock_guard<std::mutex> lock(mutex);
        list.push_back(name);
    }
};

ReachProbe probe_saying(Reach db1, Names& probed) {
    return [db1, &probed](const Host& host) {
        probed.add(host.name);
        ReachResult result;
        result.endpoint = host.address + ":22";
        result.reach = host.name == "db1" ? db1 : Reach::Open;
        result.detail = host.name == "db1" ? "no answer to a TCP connect within 1.0 s" : "open";
        return result;
    };
}

TEST(PromoteRun, SilentHostIsDownWithoutAnSshConnection) {
    auto lab = dead_primary_lab();
    Names connected;
    Names probed;
    auto factory = [&](const Host& host) {
        connected.add(host.name);
        return lab.factory()(host);
    };
    PromoteOptions options;
    options.target = "db2";
    options.mode = RunMode::Check;
    options.reach = probe_saying(Reach::Silent, probed);
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, factory, out).exit_code, ExitCode::Ok)
        << out.str();
    EXPECT_EQ(probed.list.size(), 3u);
    EXPECT_EQ(std::count(connected.list.begin(), connected.list.end(), "db1"), 0)
        << "no SSH to db1";
    EXPECT_TRUE(
        has(out.str(), "db1 is unreachable (10.0.0.11:22: no answer to a TCP connect within"))
        << out.str();
    EXPECT_TRUE(has(out.str(), "assumed dead")) << out.str();
}

TEST(PromoteRun, RefusedSshPortMeansTheHostIsUpAndIsRefused) {
    auto lab = dead_primary_lab();
    Names probed;
    PromoteOptions options;
    options.target = "db2";
    options.reach = probe_saying(Reach::Refused, probed);
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Refused)
        << out.str();
    EXPECT_TRUE(has(out.str(), "the old primary is up but could not be inspected")) << out.str();
    for (const auto& [name, sim] : lab.hosts) EXPECT_EQ(sim->fake().mutating_calls(), 0) << name;
}

TEST(PromoteRun, OpenSshPortButFailedSshConnectionIsUpAndIsRefused) {
    auto lab = dead_primary_lab();  // db1's SSH connection fails
    Names probed;
    PromoteOptions options;
    options.target = "db2";
    options.reach = probe_saying(Reach::Open, probed);
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Refused)
        << out.str();
    EXPECT_TRUE(has(out.str(), "the old primary is up but could not be inspected")) << out.str();
}

// After a power loss the standbys still stream from the dead primary: promote waits (with a
// countdown) for their silence to prove it dead, within --wait.
Lab power_loss_lab(int silence_ms) {
    Lab lab;
    lab.hosts["db2"] = std::make_unique<SimHost>("db2", streaming_state("0/5000060", silence_ms));
    lab.hosts["db3"] = std::make_unique<SimHost>("db3", streaming_state("0/5000060", silence_ms));
    return lab;
}

TEST(PromoteRun, PowerLossWithoutWaitIsRefusedAtOnce) {
    auto lab = power_loss_lab(1'000);
    PromoteOptions options;
    options.target = "db2";
    options.wait = std::chrono::milliseconds(0);
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Refused)
        << out.str();
    EXPECT_TRUE(has(out.str(), "db2 heard from it 1.0 s ago")) << out.str();
    EXPECT_TRUE(has(out.str(), "--wait 7")) << out.str();
    EXPECT_FALSE(has(out.str(), "waiting for evidence")) << out.str();
    for (const auto& [name, sim] : lab.hosts) EXPECT_EQ(sim->fake().mutating_calls(), 0) << name;
}

TEST(PromoteRun, PowerLossCountsDownAndRefusesWhenTheWaitRunsOut) {
    auto lab = power_loss_lab(6'800);  // never older: the simulated receivers stand still
    Names probed;
    PromoteOptions options;
    options.target = "db2";
    options.reach = probe_saying(Reach::Silent, probed);
    options.wait = std::chrono::milliseconds(800);
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Refused)
        << out.str();
    EXPECT_TRUE(has(out.str(),
                    "waiting for evidence that db1 is down: 1 s left (db1: db2 heard "
                    "from it 6.8 s ago"))
        << out.str();
    EXPECT_TRUE(has(out.str(), "refused: the old primary is unreachable but its standbys still"))
        << out.str();
    // db1's port was probed again while promote waited.
    EXPECT_GT(std::count(probed.list.begin(), probed.list.end(), "db1"), 1) << out.str();
    for (const auto& [name, sim] : lab.hosts) EXPECT_EQ(sim->fake().mutating_calls(), 0) << name;
}

TEST(PromoteRun, PowerLossSilentLongEnoughIsDown) {
    auto lab = power_loss_lab(7'500);
    PromoteOptions options;
    options.target = "db2";
    options.mode = RunMode::Check;
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Ok)
        << out.str();
    EXPECT_TRUE(has(out.str(), "note: db1 is down: db2 has not heard from it for 7.5 s"))
        << out.str();
    EXPECT_FALSE(has(out.str(), "waiting for evidence")) << out.str();
    EXPECT_TRUE(has(out.str(), "decision: promote db2")) << out.str();
}

TEST(PromoteRun, SilentSshPortButAnsweringPostgresPortIsUpAndIsRefused) {
    auto lab = power_loss_lab(8'000);
    Names probed;
    Names postgres_probed;
    PromoteOptions options;
    options.target = "db2";
    options.reach = probe_saying(Reach::Silent, probed);
    options.postgres_reach = [&postgres_probed](const Host& host) {
        postgres_probed.add(host.name);
        ReachResult result;
        result.endpoint = host.address + ":5432";
        result.reach = Reach::Open;
        result.detail = "the PostgreSQL port accepts connections";
        return result;
    };
    std::ostringstream out;
    EXPECT_EQ(run_promote(three_hosts(), options, lab.factory(), out).exit_code, ExitCode::Refused)
        << out.str();
    EXPECT_TRUE(has(out.str(), "the old primary is up but could not be inspected")) << out.str();
    EXPECT_TRUE(has(out.str(), "its PostgreSQL port 10.0.0.11:5432 accepts connections"))
        << out.str();
    EXPECT_EQ(postgres_probed.list.size(), 3u);  // alongside every SSH probe
}

}  // namespace
}  // namespace pgrepl::promote_test
