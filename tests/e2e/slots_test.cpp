// Replication slots against the lab (issue 13 §3): a replica removed from the inventory loses
// its slot on the primary once it is inactive, and no other slot is touched; a stopped replica
// whose slot the primary gave up past max_slot_wal_keep_size is named by verify with the fix,
// and following the fix brings the cluster back.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

constexpr const char* kSlots =
    "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM "
    "pg_replication_slots";

/// The inventory `path` without its last host (db3).
std::string without_db3(const TempDir& dir, const std::string& path) {
    std::string yaml = read_local_file(path);
    const auto at = yaml.find("  - name: db3\n");
    EXPECT_NE(at, std::string::npos) << yaml;
    const auto smaller = dir.file("inventory-without-db3.yaml");
    write_local_file(smaller, yaml.substr(0, at));
    return smaller;
}

/// Stops db3's PostgreSQL and waits until its slot on db1 is inactive.
void stop_db3() {
    ASSERT_EQ(lab_shell("db3", "pg_ctlcluster 15 main stop").exit_code, 0);
    ASSERT_EQ(
        wait_for_sql("db1", "SELECT active FROM pg_replication_slots WHERE slot_name = 'db3'", "f"),
        "f");
}

/// Sets the lab up with `inventory` and waits until db2 and db3 stream from db1.
void set_up(const std::string& inventory) {
    const auto setup = run_pgrepl({"setup", inventory});
    ASSERT_EQ(setup.exit_code, 0) << setup.describe();
    ASSERT_EQ(wait_for_sql(
                  "db1", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", "2"),
              "2");
}

/// Every host's changed= count of a setup run is 0.
void expect_no_change(const ProcessResult& setup) {
    EXPECT_EQ(setup.exit_code, 0) << setup.describe();
    for (const auto& [host, changed] : recap_changed(setup.out))
        EXPECT_EQ(changed, 0) << host << "\n" << setup.out;
}

TEST(SlotsRemovedReplica, ItsSlotIsDroppedOnceInactiveAndNoOtherSlotIsTouched) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    ASSERT_NO_FATAL_FAILURE(set_up(inventory));
    // A slot pgrepl did not create, named like a host that is not in the inventory.
    ASSERT_TRUE(host_sql("db1", "SELECT pg_create_physical_replication_slot('db9')").ok);
    ASSERT_EQ(host_sql("db1", kSlots).out, "db2,db3,db9");

    // db3 leaves the inventory while it still streams: its slot is active, kept and reported.
    const auto smaller = without_db3(dir, inventory);
    const auto kept = run_pgrepl({"setup", smaller});
    EXPECT_EQ(kept.exit_code, 0) << kept.describe();
    EXPECT_NE(kept.out.find("slot(s) db3 of host(s) no longer in the inventory kept: still "
                            "active"),
              std::string::npos)
        << kept.out;
    EXPECT_EQ(host_sql("db1", kSlots).out, "db2,db3,db9");

    // Once db3 is stopped, --check shows the drop and changes nothing; setup drops it.
    ASSERT_NO_FATAL_FAILURE(stop_db3());
    const auto check = run_pgrepl({"setup", smaller, "--check"});
    EXPECT_NE(check.out.find("drop slot(s) db3 (no longer in the inventory)"), std::string::npos)
        << check.describe();
    EXPECT_NE(check.out.find("- slot db3 (inactive, recorded as pgrepl's, not in the inventory)"),
              std::string::npos)
        << check.out;
    EXPECT_EQ(host_sql("db1", kSlots).out, "db2,db3,db9");
    const auto dropped = run_pgrepl({"setup", smaller});
    EXPECT_EQ(dropped.exit_code, 0) << dropped.describe();
    EXPECT_EQ(recap_changed(dropped.out)["db1"], 1) << dropped.out;
    EXPECT_EQ(host_sql("db1", kSlots).out, "db2,db9");
    EXPECT_EQ(
        host_sql("db1", "SELECT active FROM pg_replication_slots WHERE slot_name = 'db2'").out,
        "t");
    expect_no_change(run_pgrepl({"setup", smaller}));
}

TEST(SlotsLost, AStoppedReplicaPastMaxSlotWalKeepSizeIsNamedAndReClonedByTheFix) {
    reset_lab();
    TempDir dir;
    // A small limit, and no wal_keep_size floor under it, so that 200 MB of WAL lose the slot.
    const auto inventory =
        write_inventory(dir, "root",
                        "postgres:\n  version: 15\n  settings:\n    max_slot_wal_keep_size: 64MB\n"
                        "    wal_keep_size: 0\n");
    ASSERT_NO_FATAL_FAILURE(set_up(inventory));
    ASSERT_EQ(host_sql("db1", "SHOW max_slot_wal_keep_size").out, "64MB");

    ASSERT_NO_FATAL_FAILURE(stop_db3());
    const auto written =
        host_sql("db1",
                 "CREATE TABLE e2e_wal AS SELECT g, repeat('x', 1000) AS pad FROM "
                 "generate_series(1, 200000) AS g; SELECT pg_switch_wal(); CHECKPOINT; "
                 "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'db3'");
    ASSERT_TRUE(written.ok) << written.err;
    EXPECT_NE(written.out.find("lost"), std::string::npos) << written.out;
    // The primary keeps running and db2 streams on.
    EXPECT_EQ(host_sql("db1", "SELECT pg_is_in_recovery()").out, "f");
    EXPECT_EQ(wait_for_sql("db2", "SELECT count(*) FROM e2e_wal", "200000", 30), "200000");

    const auto verdict = run_pgrepl({"verify", inventory});
    EXPECT_EQ(verdict.exit_code, 1) << verdict.describe();
    EXPECT_NE(verdict.out.find("slot db3 on db1 is lost: db1 removed WAL that db3 needs (past "
                               "max_slot_wal_keep_size)"),
              std::string::npos)
        << verdict.out;
    const std::string fix = "pgrepl setup --force --limit db1,db3";
    EXPECT_NE(verdict.out.find("db3 cannot catch up (no archive holds the removed WAL): "
                               "re-clone it: " +
                               fix),
              std::string::npos)
        << verdict.out;

    // The fix: the slot is created again on db1; db3, started, cannot stream: re-cloned.
    const auto fixed = run_pgrepl({"setup", inventory, "--force", "--limit", "db1,db3"});
    EXPECT_EQ(fixed.exit_code, 0) << fixed.describe();
    EXPECT_NE(fixed.out.find("re-create lost slot(s) db3"), std::string::npos) << fixed.out;
    EXPECT_NE((fixed.out + fixed.err).find("re-clon"), std::string::npos) << fixed.describe();
    std::cout << "the fix:\n" << fixed.out << fixed.err;
    EXPECT_EQ(wait_for_sql("db3", "SELECT count(*) FROM e2e_wal", "200000", 30), "200000");
    EXPECT_EQ(host_sql("db1",
                       "SELECT wal_status FROM pg_replication_slots WHERE slot_name = "
                       "'db3'")
                  .out,
              "reserved");
    const auto healthy = run_pgrepl({"verify", inventory});
    EXPECT_EQ(healthy.exit_code, 0) << healthy.describe();
    expect_no_change(run_pgrepl({"setup", inventory}));
}

}  // namespace
}  // namespace pgrepl::e2e
