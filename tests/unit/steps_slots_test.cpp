// The slots step: one physical slot per downstream replica, recorded as pgrepl's; the recorded,
// inactive slots of hosts no longer in the inventory are dropped, and nothing else.
#include <gtest/gtest.h>

#include "pgrepl/steps/slot_plan.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kRecord = "/etc/postgresql/15/main/pgrepl.slots";

/// db1 primary, db2 replica: db3 was removed from three_host_inventory().
Inventory two_host_inventory() {
    auto inventory = three_host_inventory();
    inventory.hosts.pop_back();
    return inventory;
}

SlotInfo slot(std::string name, bool active, std::string wal_status = "reserved") {
    return {std::move(name), "physical", active, "0/3000000", std::move(wal_status), ""};
}

TEST(SlotPlan, DropsOnlyRecordedInactiveSlotsOfHostsNotInTheInventory) {
    const std::vector<std::string> inventory = {"db1", "db2", "db4"};
    const std::vector<SlotInfo> existing = {slot("db2", true),   slot("db3", false),
                                            slot("db4", false),  slot("db5", true),
                                            slot("mine", false), slot("old", false)};
    // db4: another host's replica (not wanted here) stays; mine: not recorded; old: not
    // recorded either; gone: recorded but its slot no longer exists (forgotten).
    const auto plan =
        plan_slots({"db2", "db6"}, inventory, existing, {"db2", "db3", "db4", "db5", "gone"});
    EXPECT_EQ(plan.create, (std::vector<std::string>{"db6"}));
    EXPECT_EQ(plan.drop, (std::vector<std::string>{"db3"}));
    EXPECT_EQ(plan.kept_active, (std::vector<std::string>{"db5"}));
    EXPECT_EQ(plan.record, (std::vector<std::string>{"db2", "db4", "db5", "db6"}));
}

TEST(SlotPlan, NeverDropsALogicalSlot) {
    SlotInfo logical = slot("db3", false);
    logical.type = "logical";
    const auto plan = plan_slots({}, {"db1"}, {logical}, {"db3"});
    EXPECT_TRUE(plan.drop.empty());
    EXPECT_TRUE(plan.record.empty());
}

TEST(SlotRecord, RendersAndParsesNames) {
    const std::string content = render_slot_record({"db2", "db_3"});
    EXPECT_EQ(content.substr(0, 2), "# ");
    EXPECT_EQ(parse_slot_record(content), (std::vector<std::string>{"db2", "db_3"}));
    EXPECT_EQ(parse_slot_record("db3\n\n  db2 \nBad-Name\n# db9\n"),
              (std::vector<std::string>{"db2", "db3"}));
}

TEST(StepSlots, CreatesMissingSlotsRecordsThemThenConverges) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().queries["slots"] = "db2|physical|t|0/3000000|reserved|\n";
    sim.fake()
        .expect_run("psql")
        .with_stdin("pg_create_physical_replication_slot")
        .does([&](const Command& c) {
            EXPECT_NE(c.stdin_data.find("db3"), std::string::npos);
            EXPECT_EQ(c.stdin_data.find("'db2'"), std::string::npos);
            EXPECT_EQ(c.stdin_data.find("pg_drop_replication_slot"), std::string::npos);
            sim.state().queries["slots"] =
                "db2|physical|t|0/3000000|reserved|\ndb3|physical|f|0/3000000|reserved|\n";
            return Result<CommandResult>(command_ok());
        });
    // db2's slot existed before (an older pgrepl made it): recorded too.
    sim.fake().expect_write(kRecord).mode(0644).owner("root", "root").content("\ndb2\ndb3\n");
    auto step = make_slots_step({"db2", "db3"});
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepSlots, RecordsSlotsThatExistWithoutARecord) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.state().queries["slots"] =
        "db2|physical|t|0/3000000|reserved|\ndb3|physical|t|0/3000000|reserved|\n";
    sim.fake().expect_write(kRecord).content("\ndb2\ndb3\n");
    auto step = make_slots_step({"db2", "db3"});
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepSlots, ARecordedSlotThatIsGoneIsNoChangeOnItsOwn) {
    // A former primary after a switchover: its slots were dropped when it was demoted, the
    // record still names them. Nothing to do; the record is rewritten with the next change.
    auto inventory = three_host_inventory();
    SimHost sim("db2");
    sim.fake().add_file(kRecord, render_slot_record({"db1", "db3"}));
    sim.state().queries["slots"] = "";
    auto step = make_slots_step({});
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepSlots, DropsTheRecordedInactiveSlotOfARemovedHostOnly) {
    auto inventory = two_host_inventory();
    SimHost sim("db1");
    sim.fake().add_file(kRecord, render_slot_record({"db2", "db3"}));
    sim.state().queries["slots"] =
        "backup|physical|f|0/2000000|reserved|\n"
        "db2|physical|t|0/3000000|reserved|\n"
        "db3|physical|f|0/1000000|extended|\n";
    sim.fake()
        .expect_run("psql")
        .with_stdin("pg_drop_replication_slot")
        .as(RunAs::Postgres)
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            EXPECT_NE(c.stdin_data.find("slot_name IN ('db3')"), std::string::npos) << c.stdin_data;
            EXPECT_EQ(c.stdin_data.find("'db2'"), std::string::npos);
            EXPECT_EQ(c.stdin_data.find("backup"), std::string::npos);
            EXPECT_EQ(c.stdin_data.find("pg_create"), std::string::npos);
            sim.state().queries["slots"] =
                "backup|physical|f|0/2000000|reserved|\n"
                "db2|physical|t|0/3000000|reserved|\n";
            return Result<CommandResult>(command_ok("@@dropped\ndb3\n"));
        });
    sim.fake().expect_write(kRecord).content(TextMatch::regex("\ndb2\n$"));
    auto step = make_slots_step({"db2"});
    auto first = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(first.status, StepStatus::Changed) << first.reason;
    EXPECT_NE(first.reason.find("drop slot(s) db3 (no longer in the inventory)"), std::string::npos)
        << first.reason;
    sim.fake().clear_calls();
    auto second = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(second.status, StepStatus::Ok) << second.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepSlots, CheckModeShowsTheDrop) {
    auto inventory = two_host_inventory();
    SimHost sim("db1");
    sim.fake().add_file(kRecord, render_slot_record({"db2", "db3"}));
    sim.state().queries["slots"] =
        "db2|physical|t|0/3000000|reserved|\ndb3|physical|f|0/1000000|reserved|\n";
    auto step = make_slots_step({"db2"});
    auto report = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(report.status, StepStatus::Changed) << report.reason;
    EXPECT_NE(report.diff.find("- slot db3 (inactive, recorded as pgrepl's, not in the inventory)"),
              std::string::npos)
        << report.diff;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepSlots, KeepsAnActiveSlotOfARemovedHostWithAWarning) {
    auto inventory = two_host_inventory();
    SimHost sim("db1");
    sim.fake().add_file(kRecord, render_slot_record({"db2", "db3"}));
    sim.state().queries["slots"] =
        "db2|physical|t|0/3000000|reserved|\ndb3|physical|t|0/3000000|reserved|\n";
    auto step = make_slots_step({"db2"});
    auto report = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
    EXPECT_NE(report.reason.find("warning: slot(s) db3 of host(s) no longer in the inventory "
                                 "kept: still active"),
              std::string::npos)
        << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepSlots, LeavesAnUnrecordedSlotAlone) {
    auto inventory = two_host_inventory();
    SimHost sim("db1");
    sim.fake().add_file(kRecord, render_slot_record({"db2"}));
    sim.state().queries["slots"] =
        "db2|physical|t|0/3000000|reserved|\ndb3|physical|f|0/1000000|reserved|\n";
    auto step = make_slots_step({"db2"});
    auto report = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

// A replica without downstreams (the slots step runs on every host): its own recorded slot of
// a removed cascading replica is dropped there, not on the primary.
TEST(StepSlots, ACascadingUpstreamDropsItsOwnRecordedSlot) {
    auto inventory = two_host_inventory();
    SimHost sim("db2", streaming_standby("7000000000000000001", "10.0.0.11"));
    sim.fake().add_file(kRecord, render_slot_record({"db3"}));
    sim.state().queries["slots"] = "db3|physical|f|0/1000000|lost|\n";
    sim.fake().expect_run("psql").with_stdin("slot_name IN ('db3')").does([&](const Command&) {
        sim.state().queries["slots"] = "";
        return Result<CommandResult>(command_ok("@@dropped\ndb3\n"));
    });
    sim.fake().expect_write(kRecord).content(TextMatch::regex("other\\.\n$"));
    auto step = make_slots_step({});
    expect_converges(*step, inventory, inventory.hosts[1], sim);
}

// A wanted slot whose WAL was removed (wal_status lost, past max_slot_wal_keep_size) holds
// nothing any more: dropped and created again while inactive, kept with a warning while active.
TEST(StepSlots, ReCreatesALostInactiveSlot) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.fake().add_file(kRecord, render_slot_record({"db2", "db3"}));
    sim.state().queries["slots"] = "db2|physical|t|0/3000000|reserved|\ndb3|physical|f||lost|\n";
    sim.fake()
        .expect_run("psql")
        .with_stdin("pg_drop_replication_slot")
        .mutation(Mutation::Mutating)
        .does([&](const Command& c) {
            const auto drop = c.stdin_data.find(
                "NOT active AND slot_type = 'physical' AND "
                "slot_name IN ('db3')");
            const auto create = c.stdin_data.find("pg_create_physical_replication_slot('db3'");
            EXPECT_NE(drop, std::string::npos) << c.stdin_data;
            EXPECT_NE(create, std::string::npos) << c.stdin_data;
            EXPECT_LT(drop, create);
            EXPECT_EQ(c.stdin_data.find("'db2'"), std::string::npos);
            sim.state().queries["slots"] =
                "db2|physical|t|0/3000000|reserved|\ndb3|physical|f|0/4000000|reserved|\n";
            return Result<CommandResult>(command_ok("db3\n"));
        });
    auto step = make_slots_step({"db2", "db3"});
    auto check = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(check.status, StepStatus::Changed) << check.reason;
    EXPECT_NE(check.reason.find("re-create lost slot(s) db3"), std::string::npos) << check.reason;
    EXPECT_NE(check.diff.find("~ slot db3 (lost: dropped and created again)"), std::string::npos)
        << check.diff;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
    expect_converges(*step, inventory, inventory.hosts[0], sim);
}

TEST(StepSlots, KeepsALostActiveSlotWithAWarning) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    sim.fake().add_file(kRecord, render_slot_record({"db2", "db3"}));
    sim.state().queries["slots"] =
        "db2|physical|t|0/3000000|reserved|\ndb3|physical|t|0/4000000|lost|\n";
    auto step = make_slots_step({"db2", "db3"});
    auto report = run_one(*step, inventory, inventory.hosts[0], sim);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
    EXPECT_NE(report.reason.find("warning: slot(s) db3 lost"), std::string::npos) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepSlots, NothingWantedOnAStoppedServer) {
    auto inventory = two_host_inventory();
    SimState state;
    state.running = false;
    SimHost sim("db2", state);
    auto step = make_slots_step({});
    auto report = run_one(*step, inventory, inventory.hosts[1], sim);
    EXPECT_EQ(report.status, StepStatus::Ok) << report.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

}  // namespace
}  // namespace pgrepl::test
