// After a failover: the old primary, dead or fenced and stopped, is a former primary. It is
// reported with a warning and a hint, and verify with the stale inventory stays healthy; every
// other unreachable or stopped host still fails as before.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

#include "pgrepl/util/json.hpp"
#include "pgrepl/verify/render.hpp"
#include "pgrepl/verify/verify.hpp"
#include "support/borrowed_executor.hpp"
#include "support/fake_executor.hpp"
#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

using test::assess_states;
using test::host_report;
using test::problem_keys;
using test::settings_output;

constexpr const char* kMarker =
    "at 2026-11-26T01:30:00Z, db2 was promoted in its place; this cluster must not run as a "
    "primary again";
constexpr const char* kRejoinStale =
    "rejoin it as a replica of db2: pgrepl promote db2 --update-inventory (or edit its role:), "
    "then pgrepl setup --limit db2,db1 (pg_rewind)";

const CheckResult& check_of(const VerifyReport& report, const std::string& host,
                            const std::string& name) {
    const CheckResult* found = host_report(report, host).check(name);
    if (found == nullptr) throw std::runtime_error(host + " has no check " + name);
    return *found;
}

HostState unreachable(const Inventory& inventory, const std::string& name) {
    HostState state;
    state.host = inventory.find_host(name);
    state.unreachable = make_host_error(ErrorKind::Connect, name, "connect", "timed out",
                                        "check that the host is up");
    return state;
}

/// Reached, PostgreSQL stopped; with the fence marker when `marker` is set.
HostState stopped(const Inventory& inventory, const std::string& name,
                  std::optional<std::string> marker = std::nullopt) {
    HostState state;
    state.host = inventory.find_host(name);
    state.psql_error = "connection to server on socket failed: No such file or directory";
    state.log_tail = {"2026-11-26 01:30:00 UTC [1] LOG:  database system is shut down"};
    state.fence_note = std::move(marker);
    return state;
}

/// db2 promoted, db3 re-pointed to it; db1 as given. The inventory still says db1 primary.
std::vector<HostState> after_failover(const Inventory& inventory, HostState db1) {
    return {std::move(db1), test::primary_state(inventory, "db2", {"db3"}),
            test::standby_state(inventory, "db3", "db2")};
}

/// The inventory as promote --update-inventory leaves it: db2 primary, db1 replica.
Inventory updated_inventory() {
    Inventory inventory = test::verify_inventory();
    inventory.hosts[0].role = Role::Replica;
    inventory.hosts[1].role = Role::Primary;
    return inventory;
}

// Who is a former primary: table of db1's state after the failover (or without one).
struct FormerCase {
    const char* name;
    bool db1_inventory_primary;  // else the updated inventory (db1 replica)
    bool live_primary;           // db2 promoted and db3 following (else both standbys, no sender)
    enum { Unreachable, GatherFailed, Stopped, StoppedFenced, RunningPrimary } db1;
    bool former;
    const char* state;
};

class VerifyFormerPrimaryTable : public ::testing::TestWithParam<FormerCase> {};

TEST_P(VerifyFormerPrimaryTable, Classifies) {
    const FormerCase& c = GetParam();
    const Inventory inventory =
        c.db1_inventory_primary ? test::verify_inventory() : updated_inventory();
    HostState db1;
    switch (c.db1) {
        case FormerCase::Unreachable:
            db1 = unreachable(inventory, "db1");
            break;
        case FormerCase::GatherFailed:
            db1.host = inventory.find_host("db1");
            db1.gather_error =
                make_host_error(ErrorKind::Sudo, "db1", "sudo", "a password is required");
            break;
        case FormerCase::Stopped:
            db1 = stopped(inventory, "db1");
            break;
        case FormerCase::StoppedFenced:
            db1 = stopped(inventory, "db1", kMarker);
            break;
        case FormerCase::RunningPrimary:
            db1 = test::primary_state(inventory, "db1", {});
            break;
    }
    std::vector<HostState> states = after_failover(inventory, std::move(db1));
    if (!c.live_primary) {
        states[1] = test::standby_state(inventory, "db2", "db1");
        for (std::size_t i : {1, 2}) {
            states[i].receiver.reset();
            states[i].processes.walreceiver.reset();
        }
    }
    const LiveTopology topology = live_topology(inventory, live_hosts(states));
    EXPECT_EQ(topology.nodes[0].former_primary, c.former);
    if (c.former) {
        EXPECT_FALSE(topology.expected_standby(0));
    }
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_EQ(host_report(report, "db1").state, c.state);
    EXPECT_EQ(host_report(report, "db1").healthy(), c.former);
    EXPECT_EQ(host_report(report, "db1").check("former_primary") != nullptr, c.former);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, VerifyFormerPrimaryTable,
    ::testing::Values(FormerCase{"DeadAndStillPrimaryInTheInventory", true, true,
                                 FormerCase::Unreachable, true, "former-primary"},
                      FormerCase{"NotGatheredAndStillPrimaryInTheInventory", true, true,
                                 FormerCase::GatherFailed, true, "former-primary"},
                      FormerCase{"StoppedAndStillPrimaryInTheInventory", true, true,
                                 FormerCase::Stopped, true, "former-primary"},
                      FormerCase{"FencedAndStoppedInventoryUpdated", false, true,
                                 FormerCase::StoppedFenced, true, "former-primary"},
                      // The user declared it a replica that should run: a replica that is down.
                      FormerCase{"DeadInventoryUpdated", false, true, FormerCase::Unreachable,
                                 false, "unreachable"},
                      FormerCase{"StoppedUnfencedInventoryUpdated", false, true,
                                 FormerCase::Stopped, false, "down"},
                      // No failover: the inventory primary is down and nobody replaced it.
                      FormerCase{"DeadWithNoLivePrimary", true, false, FormerCase::Unreachable,
                                 false, "unreachable"},
                      FormerCase{"FencedWithNoLivePrimary", true, false, FormerCase::StoppedFenced,
                                 false, "down"},
                      // Running next to the new primary: split brain, as before.
                      FormerCase{"RunningAsASecondPrimary", true, true, FormerCase::RunningPrimary,
                                 false, "split-brain"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(VerifyFormerPrimary, DeadOldPrimaryAfterAFailoverIsHealthyWithAWarning) {
    const Inventory inventory = test::verify_inventory();
    const VerifyReport report =
        assess_states(inventory, after_failover(inventory, unreachable(inventory, "db1")));
    EXPECT_TRUE(report.healthy()) << problem_keys(report).front();
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db1:former_primary"}));
    const CheckResult& former = check_of(report, "db1", "former_primary");
    EXPECT_EQ(former.status, CheckStatus::Warning);
    EXPECT_EQ(former.message,
              "former primary: unreachable since the failover to db2 (the inventory still says "
              "primary); keep it down: started by itself it would come back as a primary of the "
              "old timeline");
    EXPECT_EQ(former.hint, kRejoinStale);
    EXPECT_EQ(check_of(report, "db1", "ssh").status, CheckStatus::Skipped);
    EXPECT_NE(check_of(report, "db1", "ssh").message.find("unreachable: connect: timed out"),
              std::string::npos);
    // Nothing else is judged, and no standby check applies to it.
    for (const auto& check : host_report(report, "db1").checks) {
        if (check.name != "former_primary") {
            EXPECT_EQ(check.status, CheckStatus::Skipped);
        }
    }
    for (const char* name : {"upstream", "wal_receiver", "walsender", "lag", "probe", "replicas"})
        EXPECT_EQ(host_report(report, "db1").check(name), nullptr) << name;
    EXPECT_EQ(host_report(report, "db1").state, "former-primary");
    EXPECT_FALSE(host_report(report, "db1").upstream.has_value());
    EXPECT_EQ(host_report(report, "db1").probe.status, ProbeStatus::NotRun);
    // db2 expects db3 only.
    EXPECT_EQ(check_of(report, "db2", "replicas").message, "1 of 1 replica(s) streaming: db3");
    EXPECT_EQ(check_of(report, "db2", "slots").status, CheckStatus::Ok);
    EXPECT_EQ(check_of(report, "db3", "probe").status, CheckStatus::Ok);
    EXPECT_EQ(report.primary, "db2");
    ASSERT_FALSE(report.notes.empty());
    EXPECT_EQ(report.notes[0], "the live primary is db2; the inventory says db1");
}

TEST(VerifyFormerPrimary, UnderPatroniTheHintIsPatronisRejoin) {
    // After pgrepl handoff patroni, Patroni (started again by handoff) rewinds and re-points it.
    Inventory inventory = test::verify_inventory();
    inventory.patroni = PatroniOptions{};
    auto states = after_failover(inventory, unreachable(inventory, "db1"));
    HostState::PatroniView leader;
    leader.configured = true;
    leader.status = 200;
    leader.role = "primary";
    leader.state = "running";
    states[1].patroni = leader;
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_EQ(check_of(report, "db1", "former_primary").hint,
              "Patroni rejoins it as a replica of db2 (pg_rewind) once its Patroni runs: pgrepl "
              "handoff patroni starts it");
}

TEST(VerifyFormerPrimary, FencedAndStoppedQuotesTheMarker) {
    const Inventory inventory = updated_inventory();
    const VerifyReport report =
        assess_states(inventory, after_failover(inventory, stopped(inventory, "db1", kMarker)));
    EXPECT_TRUE(report.healthy()) << problem_keys(report).front();
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db1:former_primary"}));
    const CheckResult& former = check_of(report, "db1", "former_primary");
    EXPECT_EQ(former.status, CheckStatus::Warning);
    EXPECT_EQ(former.message, std::string("former primary, fenced by pgrepl promote (") + kMarker +
                                  "); PostgreSQL is not running");
    EXPECT_EQ(former.hint,
              "rejoin it as a replica of db2: pgrepl setup --limit db2,db1 (pg_rewind)");
    EXPECT_EQ(check_of(report, "db1", "ssh").status, CheckStatus::Ok);
    EXPECT_EQ(check_of(report, "db1", "postgres").status, CheckStatus::Ok);
    EXPECT_NE(check_of(report, "db1", "postgres").message.find("database system is shut down"),
              std::string::npos);
    EXPECT_TRUE(report.notes.empty()) << report.notes.front();
}

TEST(VerifyFormerPrimary, FencedButStartedByHandFailsAndSaysSo) {
    const Inventory inventory = updated_inventory();
    HostState db1 = test::standby_state(inventory, "db1", "db2");
    db1.receiver.reset();
    db1.fence_note = kMarker;
    const VerifyReport report = assess_states(inventory, after_failover(inventory, db1));
    EXPECT_FALSE(report.healthy());
    const CheckResult& receiver = check_of(report, "db1", "wal_receiver");
    EXPECT_EQ(receiver.status, CheckStatus::Failed);
    EXPECT_EQ(receiver.message,
              std::string("wal receiver not running: this old primary was fenced by pgrepl "
                          "promote (") +
                  kMarker + ") and was started by hand");
    EXPECT_EQ(receiver.hint,
              "stop it; pgrepl setup --limit db2,db1 then rejoins it as a replica (pg_rewind; "
              "--force re-clones it)");
}

TEST(VerifyFormerPrimary, MessagesSayWhatIsKnown) {
    const Inventory inventory = test::verify_inventory();
    HostState unread = stopped(inventory, "db1", std::string());
    HostState gather;
    gather.host = inventory.find_host("db1");
    gather.gather_error = make_host_error(ErrorKind::Sudo, "db1", "sudo", "a password is required");
    const std::pair<HostState, std::string> cases[] = {
        {stopped(inventory, "db1"),
         "former primary: stopped since the failover to db2 (the inventory still says primary); "
         "keep it down"},
        {unread,
         "former primary, fenced by pgrepl promote (marker /etc/postgresql/15/main/"
         "pgrepl.fenced); PostgreSQL is not running (the inventory still says primary)"},
        {gather,
         "former primary: its state could not be gathered and db2 is the live primary (the "
         "inventory still says primary); keep it down"},
    };
    for (const auto& [db1, message] : cases) {
        const VerifyReport report = assess_states(inventory, after_failover(inventory, db1));
        EXPECT_TRUE(report.healthy()) << message;
        const CheckResult& former = check_of(report, "db1", "former_primary");
        EXPECT_EQ(former.message.rfind(message, 0), 0u) << former.message;
        EXPECT_EQ(former.hint, kRejoinStale);
    }
}

TEST(VerifyFormerPrimary, AnotherDeadHostAfterAFailoverStillFails) {
    const Inventory inventory = test::verify_inventory();
    auto states = after_failover(inventory, unreachable(inventory, "db1"));
    states[2] = unreachable(inventory, "db3");
    states[1].replication.clear();  // db2 no longer sends to db3
    states[1].processes.walsenders.clear();
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_FALSE(report.healthy());
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:ssh", "db1:former_primary"}));
    EXPECT_EQ(check_of(report, "db3", "ssh").status, CheckStatus::Failed);
    EXPECT_EQ(host_report(report, "db3").state, "unreachable");
    EXPECT_EQ(host_report(report, "db3").upstream, "db2");
    EXPECT_EQ(check_of(report, "db2", "replicas").message, "0 of 1 replica(s) streaming");
}

TEST(VerifyFormerPrimary, DeadPrimaryWithoutAFailoverStillFails) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[0] = unreachable(inventory, "db1");
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_FALSE(report.healthy());
    EXPECT_EQ(check_of(report, "db1", "ssh").status, CheckStatus::Failed);
    EXPECT_EQ(host_report(report, "db1").check("former_primary"), nullptr);
    EXPECT_EQ(host_report(report, "db1").state, "unreachable");
}

TEST(VerifyFormerPrimary, JsonAndTable) {
    const Inventory inventory = test::verify_inventory();
    const VerifyReport report =
        assess_states(inventory, after_failover(inventory, unreachable(inventory, "db1")));
    Json json = Json::parse(verify_json(report));
    EXPECT_EQ(json["healthy"], true);
    auto& hosts = json["hosts"];
    EXPECT_EQ(hosts[0]["former_primary"], true);
    EXPECT_EQ(hosts[0]["state"], "former-primary");
    EXPECT_EQ(hosts[0]["healthy"], true);
    EXPECT_EQ(hosts[1]["former_primary"], false);
    EXPECT_EQ(hosts[2]["former_primary"], false);
    auto& problems = json["problems"];
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0]["check"], "former_primary");
    EXPECT_EQ(problems[0]["severity"], "warning");

    const std::string text = render_verify_text(report, Color::Never);
    EXPECT_NE(text.find("db1   (primary)  -         former-primary"), std::string::npos) << text;
    EXPECT_NE(text.find("db1: warning: former primary: unreachable since the failover to db2"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(std::string("  hint: ") + kRejoinStale), std::string::npos) << text;
    EXPECT_NE(text.find("healthy: primary db2, 1 standby(s) streaming"), std::string::npos) << text;
}

// End to end through run_verify: db1's host is dead, the inventory is the stale one.
TEST(VerifyFormerPrimary, RunVerifyExitsZeroWithTheStaleInventory) {
    const Inventory inventory = test::verify_inventory();
    FakeExecutor db2("db2");
    FakeExecutor db3("db3");
    db2.expect_run(
        "echo @@ps",
        command_ok("@@end-facts\n@@ps\n   50 /usr/lib/postgresql/15/bin/postgres -D /d -c "
                   "config_file=/etc/postgresql/15/main/postgresql.conf\n"
                   "  102 postgres: 15/main: walsender replicator 10.0.0.13(4001) streaming "
                   "0/6000000\n@@log\n@@noline\n@@server\n" +
                   test::server_row("f|" + std::string(test::kSystemId) +
                                    "|0/6000000|||||1700000000.0|150004") +
                   "@@query replication\n"
                   "102|db3|10.0.0.13|streaming|0/6000000|0/6000000|0/6000000|0/6000000|async|0|"
                   "||\n@@query receiver\n@@query slots\ndb3|physical|t|0/6000000||\n"
                   "@@query file_settings\n@@query settings\n" +
                   settings_output(inventory, inventory.hosts[1]) +
                   "@@end-queries\n@@psql-exit 0\n@@end\n"));
    db2.expect_run("pg_logical_emit_message", command_ok("1700000000.0\n0/6000100\n"));
    db3.expect_run(
        "echo @@ps",
        command_ok("@@end-facts\n@@ps\n   60 /usr/lib/postgresql/15/bin/postgres -D /d -c "
                   "config_file=/etc/postgresql/15/main/postgresql.conf\n"
                   "   70 postgres: 15/main: walreceiver streaming 0/6000000\n"
                   "@@log\n@@noline\n@@server\n" +
                   test::server_row("t|" + std::string(test::kSystemId) +
                                    "||0/6000000|0/6000000|1.0|f|1700000000.0|150004") +
                   "@@query replication\n@@query receiver\n"
                   "streaming|10.0.0.12|5432|0/6000000|db3|host=10.0.0.12\n"
                   "@@query slots\n@@query file_settings\n@@query settings\n" +
                   settings_output(inventory, inventory.hosts[2]) +
                   "@@end-queries\n@@psql-exit 0\n@@end\n"));
    db3.expect_run("'0/6000100'::pg_lsn",
                   command_ok("1700000000.004|f\n1700000000.005|t|0/6000100\n"));
    const ExecutorFactory factory = [&](const Host& host) -> Result<std::unique_ptr<Executor>> {
        if (host.name == "db1")
            return make_host_error(ErrorKind::Connect, "db1", "connect", "timed out", "is it up?");
        FakeExecutor& fake = host.name == "db2" ? db2 : db3;
        return std::unique_ptr<Executor>(std::make_unique<test::BorrowedExecutor>(fake));
    };
    VerifyOptions options;
    options.format = VerifyFormat::Json;
    std::ostringstream out;
    EXPECT_EQ(run_verify(inventory, options, factory, out), to_int(ExitCode::Ok)) << out.str();
    Json json = Json::parse(out.str(), nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << out.str();
    EXPECT_EQ(json["primary"], "db2");
    EXPECT_EQ(json["hosts"][0]["former_primary"], true);
    EXPECT_EQ(json["hosts"][2]["probe"]["status"], "replayed");
}

}  // namespace
}  // namespace pgrepl
