// Helpers shared by the inventory unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pgrepl/inventory/load.hpp"

namespace pgrepl::inventory_test {

/// Absolute path of a file under tests/unit/data/inventory.
inline std::string data_path(const std::string& name) {
    return std::string(PGREPL_TEST_DATA) + "/inventory/" + name;
}

/// Every diagnostic, one per line, for failure messages.
inline std::string all_messages(const InventoryLoad& load) {
    std::string out;
    for (const InventoryDiagnostic& d : load.diagnostics) out += d.to_string() + "\n";
    return out;
}

/// Compares two resolved inventories field by field, ignoring paths and source positions.
inline void expect_same_inventory(const Inventory& a, const Inventory& b) {
    EXPECT_EQ(a.cluster, b.cluster);
    EXPECT_TRUE(a.postgres == b.postgres);
    EXPECT_TRUE(a.replication == b.replication);
    EXPECT_TRUE(a.ssh == b.ssh);
    EXPECT_TRUE(a.access == b.access);
    EXPECT_TRUE(a.patroni == b.patroni);
    ASSERT_EQ(a.hosts.size(), b.hosts.size());
    for (std::size_t i = 0; i < a.hosts.size(); ++i) {
        SCOPED_TRACE("host " + a.hosts[i].name);
        EXPECT_EQ(a.hosts[i].name, b.hosts[i].name);
        EXPECT_EQ(a.hosts[i].address, b.hosts[i].address);
        EXPECT_EQ(a.hosts[i].role, b.hosts[i].role);
        EXPECT_EQ(a.hosts[i].upstream, b.hosts[i].upstream);
        EXPECT_TRUE(a.hosts[i].ssh == b.hosts[i].ssh);
        EXPECT_TRUE(a.hosts[i].postgres == b.hosts[i].postgres);
    }
}

/// One expected diagnostic.
struct Expected {
    int line;             ///< 1-based line
    int column;           ///< 1-based column
    std::string message;  ///< the exact message
};

/// A table row of invalid inventories.
struct BadCase {
    std::string name;                ///< test name suffix
    std::string yaml;                ///< the inventory text
    std::vector<Expected> expected;  ///< every diagnostic, in file order
};

/// The one valid host line many cases end with.
inline const std::string kHosts = "hosts: [{name: db1, address: 10.0.0.1, role: primary}]\n";

/// Runs a BadCase: parses it as "inventory.yaml" and checks every diagnostic exactly.
class InventoryBad : public ::testing::TestWithParam<BadCase> {};

/// Names parameterized cases after BadCase::name.
inline std::string bad_case_name(const ::testing::TestParamInfo<BadCase>& info) {
    return info.param.name;
}

}  // namespace pgrepl::inventory_test
