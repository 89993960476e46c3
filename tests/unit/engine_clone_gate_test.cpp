// CloneGate and clone_limit: how many base backups stream from one upstream at once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "pgrepl/engine/clone_gate.hpp"
#include "pgrepl/inventory/load.hpp"
#include "pgrepl/pg/settings.hpp"

namespace pgrepl {
namespace {

Inventory inventory_of(int replicas, const std::string& extra = "") {
    std::string text = "postgres: { version: 15" + extra + " }\nhosts:\n";
    text += "  - { name: db1, address: 10.0.0.11, role: primary }\n";
    for (int i = 2; i <= replicas + 1; ++i) {
        text += "  - { name: db" + std::to_string(i) + ", address: 10.0.0." +
                std::to_string(10 + i) + ", role: replica }\n";
    }
    auto loaded = parse_inventory(text, "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

TEST(CloneLimit, WhatTheUpstreamsWalSendersLeave) {
    const auto two = inventory_of(2);
    EXPECT_EQ(clone_limit(two, two.hosts[0]), 8);
    const auto eight = inventory_of(8);
    EXPECT_EQ(clone_limit(eight, eight.hosts[0]), 10);  // 18 senders, 8 standbys
    const auto few = inventory_of(8, ", settings: { max_wal_senders: 9 }");
    EXPECT_EQ(clone_limit(few, few.hosts[0]), 1);  // never below one
    const auto many = inventory_of(8, ", settings: { max_wal_senders: 20 }");
    EXPECT_EQ(clone_limit(many, many.hosts[0]), 12);
}

Inventory without_slots(const std::string& settings) {
    auto loaded = parse_inventory(
        "replication: { slots: false }\n"
        "postgres: { version: 15, settings: { " +
            settings +
            " } }\nhosts:\n"
            "  - { name: db1, address: 10.0.0.11, role: primary }\n"
            "  - { name: db2, address: 10.0.0.12, role: replica }\n"
            "  - { name: db3, address: 10.0.0.13, role: replica }\n",
        "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

TEST(CloneLimit, OneAtATimeFromAnUpstreamThatKeepsNoWalForThem) {
    // No slot and wal_keep_size 0: a second clone's checkpoint may recycle the segment the
    // first starts in before its temporary slot exists (e2e.ArchiveCatchUp's CI failure).
    const auto bare = without_slots("wal_keep_size: '0'");
    EXPECT_FALSE(keeps_wal_for_clones(bare, bare.hosts[0]));
    EXPECT_EQ(clone_limit(bare, bare.hosts[0]), 1);
    const auto small = without_slots("wal_keep_size: 32MB");
    EXPECT_EQ(clone_limit(small, small.hosts[0]), 1);
    const auto kept = without_slots("wal_keep_size: 64MB");
    EXPECT_TRUE(keeps_wal_for_clones(kept, kept.hosts[0]));
    EXPECT_EQ(clone_limit(kept, kept.hosts[0]), 8);
    const auto by_default = without_slots("work_mem: 8MB");
    EXPECT_EQ(clone_limit(by_default, by_default.hosts[0]), 8);  // pgrepl's 1GB
    // With slots, each replica's slot holds WAL from before its clone starts.
    const auto slotted = inventory_of(2, ", settings: { wal_keep_size: '0' }");
    EXPECT_TRUE(keeps_wal_for_clones(slotted, slotted.hosts[0]));
    EXPECT_EQ(clone_limit(slotted, slotted.hosts[0]), 8);
}

TEST(CloneLimit, BeforeThirteenItIsASegmentCount) {
    auto loaded = parse_inventory(
        "replication: { slots: false }\n"
        "postgres: { version: 12, settings: { wal_keep_segments: 2 } }\n"
        "hosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"
        "  - { name: db2, address: 10.0.0.12, role: replica }\n",
        "test.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.diagnostics[0].to_string();
    EXPECT_FALSE(keeps_wal_for_clones(loaded.inventory, loaded.inventory.hosts[0]));
}

TEST(DefaultMaxWalSenders, TenOrTwoPerReplicaPlusTwo) {
    EXPECT_EQ(inventory_of(1).default_max_wal_senders(), 10);
    EXPECT_EQ(inventory_of(4).default_max_wal_senders(), 10);
    EXPECT_EQ(inventory_of(5).default_max_wal_senders(), 12);
    EXPECT_EQ(inventory_of(8).default_max_wal_senders(), 18);
    // Every host gets it: the hot-standby rule holds without settings.
    const auto eight = inventory_of(8);
    for (const auto& host : eight.hosts) {
        bool found = false;
        for (const auto& setting : desired_settings(eight, host)) {
            if (setting.name == "max_wal_senders") {
                EXPECT_EQ(setting.value, "18") << host.name;
                found = true;
            }
        }
        EXPECT_TRUE(found) << host.name;
    }
    // A standby given fewer than its upstream's default is refused at its setting.
    std::string text =
        "postgres: { version: 15 }\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary "
        "}\n  - { name: db2, address: 10.0.0.12, role: replica, postgres: { settings: { "
        "max_wal_senders: 10 } } }\n";
    for (int i = 3; i <= 9; ++i) {
        text += "  - { name: db" + std::to_string(i) + ", address: 10.0.0." +
                std::to_string(10 + i) + ", role: replica }\n";
    }
    auto refused = parse_inventory(text, "test.yaml");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.diagnostics[0].message.find("below the 18 of its upstream"),
              std::string::npos)
        << refused.diagnostics[0].to_string();
}

TEST(CloneLimit, ReplicationParallelClonesWins) {
    auto loaded = parse_inventory(R"(
postgres: { version: 15 }
replication: { parallel_clones: 3 }
hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
)",
                                  "test.yaml");
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(clone_limit(loaded.inventory, loaded.inventory.hosts[0]), 3);
    for (const char* bad : {"0", "65", "many"}) {
        auto refused = parse_inventory(std::string("postgres: { version: 15 }\nreplication: "
                                                   "{ parallel_clones: ") +
                                           bad +
                                           " }\nhosts:\n  - { name: db1, address: 10.0.0.11, "
                                           "role: primary }\n",
                                       "test.yaml");
        ASSERT_FALSE(refused.ok()) << bad;
        EXPECT_EQ(refused.diagnostics[0].mark.line, 2) << refused.diagnostics[0].to_string();
    }
}

TEST(CloneGate, AdmitsAtMostTheLimitAtOnceAndSaysWhenOneWaits) {
    CloneGate gate({{"db1", 2}});
    std::atomic<int> inside{0}, most{0}, waited{0};
    std::vector<std::thread> clones;
    for (int i = 0; i < 6; ++i) {
        clones.emplace_back([&] {
            auto pass = gate.enter("db1", [&](int limit) {
                EXPECT_EQ(limit, 2);
                ++waited;
            });
            const int now = ++inside;
            int seen = most.load();
            while (now > seen && !most.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            --inside;
        });
    }
    for (auto& clone : clones) clone.join();
    EXPECT_EQ(most.load(), 2);
    EXPECT_GE(waited.load(), 1);
    // Another upstream is not limited by db1's gate.
    auto a = gate.enter("db9", nullptr);
    auto b = gate.enter("db9", nullptr);
    auto c = gate.enter("db9", nullptr);
}

}  // namespace
}  // namespace pgrepl
