// A standby's slot whose WAL is past max_slot_wal_keep_size: unreserved is a warning, lost a
// failure naming the standby and its way back (the archive, or a re-clone by pgrepl setup).
#include <gtest/gtest.h>

#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

using test::assess_states;
using test::host_report;
using test::problem_keys;

/// db1's slot for db3 with this wal_status; inactive and no walsender when `streaming` is off.
std::vector<HostState> with_slot_status(const Inventory& inventory, const std::string& status,
                                        bool streaming) {
    auto states = test::healthy_states(inventory);
    for (auto& slot : states[0].slots) {
        if (slot.name != "db3") continue;
        slot.wal_status = status;
        slot.active = streaming;
        if (status == "lost") slot.restart_lsn.clear();
    }
    if (!streaming) {
        states[0].replication.pop_back();
        states[0].processes.walsenders.pop_back();
        states[2] = HostState{};
        states[2].host = &inventory.hosts[2];
        states[2].psql_error = "connection to server on socket failed: No such file or directory";
    }
    return states;
}

TEST(VerifySlotWal, ALostSlotOfAStoppedStandbyFailsAndSaysItNeedsAReclone) {
    const Inventory inventory = test::verify_inventory();
    const VerifyReport report =
        assess_states(inventory, with_slot_status(inventory, "lost", /*streaming=*/false));
    EXPECT_FALSE(report.healthy());
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:postgres", "db3:slot"}));
    const CheckResult* slot = host_report(report, "db3").check("slot");
    ASSERT_NE(slot, nullptr);
    EXPECT_EQ(slot->status, CheckStatus::Failed);
    EXPECT_EQ(slot->message,
              "slot db3 on db1 is lost: db1 removed WAL that db3 needs (past "
              "max_slot_wal_keep_size)");
    EXPECT_EQ(slot->hint,
              "db3 cannot catch up (no archive holds the removed WAL): re-clone it: pgrepl setup "
              "--force --limit db1,db3 (re-creates the slot on db1, re-clones db3)");
    ASSERT_TRUE(host_report(report, "db3").slot.has_value());
    EXPECT_EQ(host_report(report, "db3").slot->wal_status, "lost");
}

TEST(VerifySlotWal, WithAnArchiveTheLostSlotsStandbyCatchesUpFromIt) {
    Inventory inventory = test::verify_inventory();
    inventory.replication.archive.method = ArchiveMethod::Ssh;
    const VerifyReport report =
        assess_states(inventory, with_slot_status(inventory, "lost", /*streaming=*/false));
    const CheckResult* slot = host_report(report, "db3").check("slot");
    ASSERT_NE(slot, nullptr);
    EXPECT_EQ(slot->status, CheckStatus::Failed);
    EXPECT_NE(slot->hint.find("db3 catches up from the archive (restore_command)"),
              std::string::npos)
        << slot->hint;
    EXPECT_NE(slot->hint.find("pgrepl setup --force --limit db1,db3"), std::string::npos)
        << slot->hint;
}

TEST(VerifySlotWal, AnUnreservedSlotOfAStreamingStandbyIsAWarning) {
    const Inventory inventory = test::verify_inventory();
    auto states = with_slot_status(inventory, "unreserved", /*streaming=*/true);
    states[0].slots.back().restart_lsn = "0/4000000";
    const VerifyReport report = assess_states(inventory, std::move(states));
    EXPECT_TRUE(report.healthy());
    EXPECT_EQ(problem_keys(report), (std::vector<std::string>{"db3:slot"}));
    const CheckResult* slot = host_report(report, "db3").check("slot");
    ASSERT_NE(slot, nullptr);
    EXPECT_EQ(slot->status, CheckStatus::Warning);
    EXPECT_EQ(slot->message,
              "slot db3 on db1 is unreserved (retains 16.0 MiB): the WAL db3 needs is past "
              "max_slot_wal_keep_size and goes at db1's next checkpoint");
    EXPECT_NE(slot->hint.find("get db3 streaming now; once the WAL is gone it needs a re-clone"),
              std::string::npos)
        << slot->hint;
}

TEST(VerifySlotWal, ReservedAndExtendedSlotsAreFine) {
    const Inventory inventory = test::verify_inventory();
    for (const std::string status : {"reserved", "extended", ""}) {
        const VerifyReport report =
            assess_states(inventory, with_slot_status(inventory, status, /*streaming=*/true));
        EXPECT_TRUE(report.problems().empty()) << status;
    }
}

}  // namespace
}  // namespace pgrepl
