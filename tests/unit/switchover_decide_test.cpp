// The decision tables of `pgrepl switchover`: every precondition refused with its reason and
// hint (exit code 3), the plan when all hold, and the abort path after the old primary stopped.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "pgrepl/switchover/decide.hpp"
#include "pgrepl/util/exit_code.hpp"
#include "pgrepl/verify/report.hpp"
#include "promote_test_util.hpp"

namespace pgrepl {
namespace {

using namespace promote_test;

// A standby whose WAL receiver streams from `sender` (an address of the inventory).
HandoverHostState streaming(const std::string& name, const std::string& receive = "0/5000000",
                            const std::string& sender = "10.0.0.11") {
    auto s = standby(name, receive, sender, "streaming");
    s.server->receiver->sender = Endpoint{sender, 5432};
    return s;
}

SwitchoverFacts roomy() {
    SwitchoverFacts f;
    f.max_wal_senders = 10;
    f.max_replication_slots = 10;
    f.replication_slots = 0;
    return f;
}

struct Case {
    std::string name;
    Inventory inventory;
    std::vector<HandoverHostState> states;
    std::vector<SwitchoverFacts> facts;  // empty: roomy() for every host
    std::string target = "db2";
    SwitchoverVerdict verdict = SwitchoverVerdict::Refuse;
    std::string reason;  // a part of the reason
    std::string hint;    // a part of the hint
};

// gtest prints a case by its name.
void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

std::vector<Case> cases() {
    const Inventory three = three_hosts();
    const auto healthy = [] {
        return std::vector<HandoverHostState>{primary("db1"), streaming("db2"), streaming("db3")};
    };
    std::vector<Case> out;
    const auto add = [&](Case c) { out.push_back(std::move(c)); };
    add({"HealthyClusterSwitches",
         three,
         healthy(),
         {},
         "db2",
         SwitchoverVerdict::Switch,
         "switch over from db1 to db2",
         ""});
    add({"UnknownTargetIsUsage",
         three,
         healthy(),
         {},
         "db9",
         SwitchoverVerdict::Usage,
         "db9 is not a host",
         "pgrepl inventory"});
    {
        auto s = healthy();
        s[1] = down("db2");
        add({"UnreachableTargetFails",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Fail,
             "db2 is unreachable",
             "pgrepl ping db2"});
    }
    {
        auto s = healthy();
        s[0] = down("db1");
        add({"UnreachablePrimaryIsRefused",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "no running primary: db1",
             "pgrepl promote db2"});
    }
    {
        auto s = healthy();
        s[0] = stopped("db1");
        add({"StoppedPrimaryIsRefused",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "its PostgreSQL is not running",
             "pgrepl promote db2"});
    }
    {
        auto s = healthy();
        s[2] = primary("db3");
        add({"TwoPrimariesAreRefused",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "more than one host runs as the primary: db1, db3",
             "fence"});
    }
    add({"TargetIsThePrimary",
         three,
         healthy(),
         {},
         "db1",
         SwitchoverVerdict::Refuse,
         "db1 already is the primary",
         "name the standby"});
    {
        auto s = healthy();
        s[1] = stopped("db2", true);
        add({"StoppedTargetIsRefused",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "the target db2's PostgreSQL is not running",
             "streaming standby"});
    }
    {
        auto s = healthy();
        s[1].server->system_identifier = "7300000000000000999";
        add({"TargetOfAnotherSystem",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "belongs to another system",
             ""});
    }
    {
        auto s = healthy();
        s[1] = standby("db2", "0/5000000");
        add({"TargetNotStreaming",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "db2 does not stream from db1 (no WAL receiver)",
             "pgrepl verify"});
    }
    {
        auto s = healthy();
        s[1] = streaming("db2", "0/5000000", "10.9.9.9");
        add({"TargetStreamingFromAnUnknownHost",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "db2 does not stream from db1 (it streams from 10.9.9.9:5432)",
             "pgrepl verify"});
    }
    {
        auto s = std::vector<HandoverHostState>{primary("db1"), streaming("db2"), streaming("db3"),
                                                streaming("db4", "0/5000000", "10.0.0.12")};
        add({"CascadingTargetIsRefused",
             cascading(),
             s,
             {},
             "db4",
             SwitchoverVerdict::Refuse,
             "db4 is a cascading standby: it streams from db2",
             "switch over to db2 first"});
        add({"CascadingStandbyBelowTheTargetKeepsIt",
             cascading(),
             s,
             {},
             "db2",
             SwitchoverVerdict::Switch,
             "db1, db3 follow it",
             ""});
    }
    {
        auto s = healthy();
        s[1].server->replay_paused = true;
        add({"ReplayPausedIsRefused",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "replay is paused on db2",
             "pg_wal_replay_resume()"});
    }
    {
        auto s = healthy();
        s[0].server->current_lsn = parse_lsn("0/9000000");
        add({"LagInBytesIsRefused",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "db2 replays 64.0 MiB behind db1 (more than 16.0 MiB)",
             "wait until it catches up"});
    }
    {
        auto f = std::vector<SwitchoverFacts>{roomy(), roomy(), roomy()};
        f[1].replay_lag_seconds = 45;
        add({"LagInSecondsIsRefused", three, healthy(), f, "db2", SwitchoverVerdict::Refuse,
             "db2's replay lag is 45.0 s (more than 30 s)", "wait"});
    }
    {
        auto f = std::vector<SwitchoverFacts>{roomy(), roomy(), roomy()};
        f[1].pending_restart = {"max_connections", "shared_buffers"};
        add({"PendingRestartIsRefused", three, healthy(), f, "db2", SwitchoverVerdict::Refuse,
             "db2 has a restart pending (max_connections, shared_buffers)", "restart db2 first"});
    }
    {
        auto f = std::vector<SwitchoverFacts>{roomy(), roomy(), roomy()};
        const std::string rule = "host pgrepl 10.0.0.13 255.255.255.255 scram-sha-256";
        f[0].replication_hba = std::vector<std::string>{rule};
        f[1].replication_hba = std::vector<std::string>{};
        add({"TargetLackingAReplicationRuleIsRefused", three, healthy(), f, "db2",
             SwitchoverVerdict::Refuse,
             "pg_hba.conf on db2 lacks 1 replication rule(s) that db1 has (" + rule + ")",
             "run pgrepl setup"});
        auto same = f;
        same[1].replication_hba = f[0].replication_hba;
        add({"SameReplicationRulesSwitch", three, healthy(), same, "db2", SwitchoverVerdict::Switch,
             "switch over from db1 to db2", ""});
        auto unknown = f;
        unknown[1].replication_hba.reset();
        add({"UnknownRulesAreNotHeldAgainstIt", three, healthy(), unknown, "db2",
             SwitchoverVerdict::Switch, "switch over from db1 to db2", ""});
    }
    {
        auto s = healthy();
        s[2] = down("db3");
        add({"SiblingDownIsRefused",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "db3 is unreachable",
             "bring it back"});
    }
    {
        auto s = healthy();
        s[2] = stopped("db3", true);
        add({"SiblingStoppedIsRefused",
             three,
             s,
             {},
             "db2",
             SwitchoverVerdict::Refuse,
             "db3's PostgreSQL is not running: it could not follow",
             "bring it back"});
    }
    {
        auto f = std::vector<SwitchoverFacts>{roomy(), roomy(), roomy()};
        f[1].max_wal_senders = 1;
        add({"TooFewWalSenders", three, healthy(), f, "db2", SwitchoverVerdict::Refuse,
             "db2 has max_wal_senders = 1, 2 host(s) would stream from it", "pgrepl setup"});
        f[1].max_wal_senders.reset();
        add({"UnknownWalSenders", three, healthy(), f, "db2", SwitchoverVerdict::Refuse,
             "max_wal_senders of db2 is unknown", ""});
    }
    {
        auto f = std::vector<SwitchoverFacts>{roomy(), roomy(), roomy()};
        f[1].max_replication_slots = 2;
        f[1].replication_slots = 1;
        add({"TooFewSlots", three, healthy(), f, "db2", SwitchoverVerdict::Refuse,
             "db2 has room for 1 more replication slot(s) (max_replication_slots = 2), 2 needed",
             "pgrepl setup"});
    }
    {
        auto f = std::vector<SwitchoverFacts>{roomy(), roomy(), roomy()};
        f[0].archiving = true;
        f[0].archive_failing = true;
        f[0].archive_failed_count = 4;
        f[0].archive_last_failed_wal = "000000010000000000000005";
        add({"ArchiveFailuresAreRefused", three, healthy(), f, "db2", SwitchoverVerdict::Refuse,
             "archiving fails on db1 (4 failure(s), last 000000010000000000000005)",
             "fix the archive first"});
        f[0].archiving = false;
        add({"OldFailuresWithoutArchivingDoNotMatter", three, healthy(), f, "db2",
             SwitchoverVerdict::Switch, "switch over", ""});
    }
    return out;
}

class SwitchoverDecide : public ::testing::TestWithParam<Case> {};

TEST_P(SwitchoverDecide, Decides) {
    const Case& c = GetParam();
    auto facts = c.facts;
    if (facts.empty()) facts.assign(c.states.size(), roomy());
    const auto d = decide_switchover(c.inventory, c.states, facts, c.target);
    EXPECT_EQ(to_string(d.verdict), std::string(to_string(c.verdict))) << d.reason;
    EXPECT_NE(d.reason.find(c.reason), std::string::npos) << d.reason;
    EXPECT_NE(d.hint.find(c.hint), std::string::npos) << d.hint;
    if (c.verdict == SwitchoverVerdict::Refuse) {
        ASSERT_TRUE(stop_kind(d.verdict));
        EXPECT_EQ(exit_code_for(*stop_kind(d.verdict)), ExitCode::Refused);
        EXPECT_FALSE(d.hint.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(Table, SwitchoverDecide, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(SwitchoverDecideDetail, ThePlanNamesSiblingsAndWhoKeepsItsUpstream) {
    const auto states =
        std::vector<HandoverHostState>{primary("db1"), streaming("db2"), streaming("db3"),
                                       streaming("db4", "0/5000000", "10.0.0.12")};
    const std::vector<SwitchoverFacts> facts(4, roomy());
    const auto d = decide_switchover(cascading(), states, facts, "db2");
    ASSERT_EQ(d.verdict, SwitchoverVerdict::Switch) << d.reason;
    EXPECT_EQ(d.primary, 0u);
    EXPECT_EQ(d.target, 1u);
    EXPECT_EQ(d.siblings, (std::vector<std::size_t>{2}));
    EXPECT_EQ(d.keep_upstream, (std::vector<std::size_t>{3}));
    EXPECT_EQ(d.senders_needed, 3);  // db1, db3 and db4
    EXPECT_FALSE(stop_kind(d.verdict));
}

TEST(SwitchoverDecideDetail, ExitCodesOfTheVerdicts) {
    EXPECT_EQ(exit_code_for(*stop_kind(SwitchoverVerdict::Refuse)), ExitCode::Refused);
    EXPECT_EQ(exit_code_for(*stop_kind(SwitchoverVerdict::Usage)), ExitCode::Usage);
    EXPECT_EQ(exit_code_for(*stop_kind(SwitchoverVerdict::Fail)), ExitCode::Failed);
}

TEST(SwitchoverDecideDetail, ThresholdsAreVerifys) {
    const SwitchoverThresholds ours;
    const VerifyThresholds verify;
    EXPECT_EQ(ours.max_lag_bytes, verify.max_lag_bytes);
    EXPECT_EQ(ours.max_lag_seconds, verify.max_lag_seconds);
}

CatchUpInput caught(const std::string& received, const std::string& replayed) {
    CatchUpInput in;
    in.primary = "db1";
    in.target = "db2";
    in.clean_shutdown = true;
    in.checkpoint = parse_lsn("0/3000028");
    in.received = parse_lsn(received);
    in.replayed = parse_lsn(replayed);
    in.timeout_s = 30;
    return in;
}

TEST(SwitchoverCatchUp, PromotesWhenTheTargetReplayedPastTheShutdownCheckpoint) {
    const auto d = decide_catch_up(caught("0/30000A0", "0/30000A0"));
    EXPECT_EQ(d.verdict, CatchUpVerdict::Promote) << d.reason;
    EXPECT_FALSE(d.kind);
    EXPECT_NE(d.reason.find("shutdown checkpoint 0/3000028"), std::string::npos) << d.reason;
}

TEST(SwitchoverCatchUp, AbortsWhenTheTargetDidNotGetThere) {
    const auto d = decide_catch_up(caught("0/2000000", "0/2000000"));
    EXPECT_EQ(d.verdict, CatchUpVerdict::Abort);
    ASSERT_TRUE(d.kind);
    EXPECT_EQ(exit_code_for(*d.kind), ExitCode::Failed);
    EXPECT_EQ(d.reason,
              "db2 did not reach db1's shutdown checkpoint 0/3000028 within 30 s (received "
              "0/2000000, replayed 0/2000000): db1 is started again as the primary; nothing "
              "was lost");
    EXPECT_NE(d.hint.find("switch over again"), std::string::npos);
}

TEST(SwitchoverCatchUp, ReceivedButNotReplayedAborts) {
    EXPECT_EQ(decide_catch_up(caught("0/30000A0", "0/2000000")).verdict, CatchUpVerdict::Abort);
}

TEST(SwitchoverCatchUp, TheCheckpointRecordItselfMustBeReplayed) {
    // Positions at the record's start: the record itself has not arrived.
    EXPECT_EQ(decide_catch_up(caught("0/3000028", "0/3000028")).verdict, CatchUpVerdict::Abort);
}

TEST(SwitchoverCatchUp, UnknownPositionsAbort) {
    auto in = caught("0/30000A0", "0/30000A0");
    in.replayed.reset();
    EXPECT_NE(decide_catch_up(in).reason.find("replayed unknown"), std::string::npos);
}

TEST(SwitchoverCatchUp, AnUncleanShutdownAborts) {
    auto in = caught("0/30000A0", "0/30000A0");
    in.clean_shutdown = false;
    const auto d = decide_catch_up(in);
    EXPECT_EQ(d.verdict, CatchUpVerdict::Abort);
    EXPECT_NE(d.reason.find("did not shut down cleanly"), std::string::npos) << d.reason;
    in.clean_shutdown = true;
    in.checkpoint.reset();
    EXPECT_EQ(decide_catch_up(in).verdict, CatchUpVerdict::Abort);
}

}  // namespace
}  // namespace pgrepl
