// The scripts of a planned switchover (handover/demote): the stop as a future standby, the way
// back after an abort, the wait for the shutdown checkpoint; their parsers and errors.
#include <gtest/gtest.h>

#include "pgrepl/handover/actions.hpp"
#include "pgrepl/handover/demote.hpp"
#include "promote_test_util.hpp"
#include "support/fake_executor.hpp"

namespace pgrepl::test {
namespace {

using promote_test::inventory_from;
using promote_test::three_hosts;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

Host version_11_host() {
    return inventory_from(R"(postgres: { version: 11, cluster_name: main-2 }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
)")
        .hosts[0];
}

const DemoteInput kInput{"/var/lib/postgresql/15/main", "db2", std::chrono::seconds(120)};

TEST(HandoverDemote, StopsFastThenWritesStandbySignalAndReadsTheControlFile) {
    const std::string script = demote_script(three_hosts().hosts[0], kInput);
    EXPECT_TRUE(has(script, "V='15'; C='main'; D='/var/lib/postgresql/15/main'")) << script;
    EXPECT_TRUE(has(script, "PGCTLTIMEOUT=120 pg_ctlcluster \"$V\" \"$C\" stop -m fast")) << script;
    EXPECT_TRUE(has(script, "put \"$D/standby.signal\" 0600 true")) << script;
    EXPECT_FALSE(has(script, "recovery.conf")) << script;
    EXPECT_TRUE(has(script, "LC_ALL=C")) << script;
    EXPECT_TRUE(has(script, "M='/etc/postgresql/15/main/pgrepl.switchover'")) << script;
    EXPECT_TRUE(has(script,
                    "put \"$M\" 0644 printf '%s\\n' 'stopped by pgrepl switchover for a "
                    "switchover to db2; a standby from now on'"))
        << script;
    // The signal is written only after the server is down.
    EXPECT_LT(script.find("stop -m fast"), script.find("standby.signal")) << script;
}

TEST(HandoverDemote, Before12ItWritesAMarkedRecoveryConfAndQuotesTheCluster) {
    const std::string script = demote_script(version_11_host(), kInput);
    EXPECT_TRUE(has(script, "C='main-2'")) << script;
    EXPECT_TRUE(has(script, "'# written by pgrepl switchover: stopped for a switchover to db2"))
        << script;
    EXPECT_TRUE(has(script, "standby_mode = 'on'")) << script;
    const std::string back = undemote_script(version_11_host(), kInput.data_directory);
    EXPECT_TRUE(has(back, "in '# written by pgrepl switchover'*) rm -f \"$D/recovery.conf\""))
        << back;
    EXPECT_FALSE(has(back, "standby.signal")) << back;
}

TEST(HandoverDemote, ParsesItsFrames) {
    const auto result =
        parse_demote_output("@@stopped\n@@state shut down\n@@checkpoint 0/5000028\n");
    EXPECT_TRUE(result.stopped);
    EXPECT_TRUE(result.clean());
    ASSERT_TRUE(result.checkpoint);
    EXPECT_EQ(*result.checkpoint, 0x5000028u);
    const auto crashed = parse_demote_output("@@state in production\n@@checkpoint \n");
    EXPECT_FALSE(crashed.stopped);
    EXPECT_FALSE(crashed.clean());
    EXPECT_FALSE(crashed.checkpoint);
}

TEST(HandoverDemote, AServerThatStillRunsIsARefusalOfTheStopStep) {
    FakeExecutor fake("db1");
    fake.expect_run("stop -m fast", command_failed(3, "PostgreSQL still runs 120 s after\n"))
        .mutation(Mutation::Mutating);
    auto result = run_demote(fake, three_hosts().hosts[0], kInput);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::Refused);
    EXPECT_EQ(result.error().host, "db1");
    EXPECT_EQ(result.error().step, "stop");
}

TEST(HandoverDemote, UndemoteRemovesTheSignalStartsAndWantsAPrimary) {
    const Host host = three_hosts().hosts[0];
    const std::string script = undemote_script(host, kInput.data_directory);
    EXPECT_TRUE(has(script, "rm -f \"$D/standby.signal\" \"$M\"")) << script;
    EXPECT_LT(script.find("standby.signal"), script.find("start")) << script;
    EXPECT_TRUE(has(script, "SELECT pg_is_in_recovery()")) << script;

    FakeExecutor primary("db1");
    primary.expect_run("pg_ctlcluster \"$V\" \"$C\" start", command_ok("f\n"))
        .mutation(Mutation::Mutating);
    EXPECT_TRUE(run_undemote(primary, host, kInput.data_directory));
    FakeExecutor standby("db1");
    standby.expect_run("pg_ctlcluster \"$V\" \"$C\" start", command_ok("t\n"))
        .mutation(Mutation::Mutating);
    auto failed = run_undemote(standby, host, kInput.data_directory);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().step, "restart");
    EXPECT_TRUE(has(failed.error().message, "not as a primary")) << failed.error().message;
    EXPECT_TRUE(has(failed.error().hint, "pg_ctlcluster 15 main start")) << failed.error().hint;
}

TEST(HandoverDemote, HoldWaitNeedsBothPositionsBeyondTheCheckpoint) {
    const Host host = three_hosts().hosts[1];
    const std::string script =
        catch_up_script(host, 0x5000028, std::chrono::seconds(3), CatchUpRule::ReplayedBeyond);
    EXPECT_TRUE(has(script,
                    "pg_last_wal_receive_lsn() > '0/5000028'::pg_lsn AND "
                    "pg_last_wal_replay_lsn() > '0/5000028'::pg_lsn"))
        << script;
    EXPECT_TRUE(has(script, "1..300")) << script;
    // promote's rule: received or replayed up to it.
    EXPECT_TRUE(has(catch_up_script(host, 0x5000028, std::chrono::seconds(3)),
                    "coalesce(pg_last_wal_receive_lsn() >= '0/5000028'::pg_lsn, false) OR"));
    const auto positions = parse_hold_wait_output("0/50000A0|0/50000A0|end\n");
    ASSERT_TRUE(positions.received && positions.replayed);
    EXPECT_EQ(*positions.received, 0x50000A0u);
    const auto unknown = parse_hold_wait_output("||end\n");
    EXPECT_FALSE(unknown.received);
    EXPECT_FALSE(unknown.replayed);

    FakeExecutor fake("db2");
    fake.expect_run("pg_last_wal_replay_lsn", command_ok("0/5000000|0/5000000|end\n"))
        .as(RunAs::Postgres);
    auto waited = run_hold_wait(fake, host, 0x5000028, std::chrono::seconds(3));
    ASSERT_TRUE(waited);
    EXPECT_EQ(*waited->replayed, 0x5000000u);
    // Not there in time: psql fails after printing the positions, which are what counts.
    FakeExecutor late("db2");
    late.expect_run("pg_last_wal_replay_lsn",
                    command_failed(3, "ERROR: not held\n", "0/5000000|0/4000000|end\n"))
        .as(RunAs::Postgres);
    auto behind = run_hold_wait(late, host, 0x5000028, std::chrono::seconds(3));
    ASSERT_TRUE(behind);
    EXPECT_EQ(*behind->replayed, 0x4000000u);
}

TEST(HandoverDemote, CheckpointRunsAsPostgres) {
    FakeExecutor fake("db1");
    fake.expect_run("-c CHECKPOINT", command_ok(""))
        .as(RunAs::Postgres)
        .mutation(Mutation::Mutating);
    EXPECT_TRUE(run_checkpoint(fake, three_hosts().hosts[0]));
    FakeExecutor failing("db1");
    failing.expect_run("-c CHECKPOINT", command_failed(2, "could not connect\n"))
        .as(RunAs::Postgres)
        .mutation(Mutation::Mutating);
    auto failed = run_checkpoint(failing, three_hosts().hosts[0]);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().step, "checkpoint");
}

TEST(HandoverDemote, DropsOnlyTheNamedInactivePhysicalSlots) {
    const Host host = three_hosts().hosts[0];
    const std::string script = drop_slots_script(host, {"db2", "db3"});
    EXPECT_TRUE(has(script,
                    "WHERE NOT active AND slot_type = 'physical' AND slot_name IN "
                    "('db2', 'db3')"))
        << script;
    EXPECT_TRUE(has(drop_slots_script(host, {}), "slot_name IN (NULL)"));
    EXPECT_TRUE(has(script, "rm -f '/etc/postgresql/15/main/pgrepl.switchover'")) << script;
    FakeExecutor fake("db1");
    fake.expect_run("pg_drop_replication_slot", command_ok("db3\n"))
        .as(RunAs::Postgres)
        .mutation(Mutation::Mutating);
    auto dropped = run_drop_slots(fake, host, {"db2", "db3"});
    ASSERT_TRUE(dropped);
    EXPECT_EQ(*dropped, std::vector<std::string>{"db3"});
}

}  // namespace
}  // namespace pgrepl::test
