// The single-value checks behind inventory validation.
#include <gtest/gtest.h>

#include "inventory/diagnostics.hpp"
#include "inventory/rules.hpp"

namespace pgrepl::inventory_detail {
namespace {

TEST(InventoryRules, Addresses) {
    for (const char* good : {"10.0.0.1", "::1", "fd00::12", "db1", "db-1.example.com",
                             "db1.example.com.", "1db", "xn--bcher-kva.example"}) {
        EXPECT_EQ(address_problem(good), "") << good;
    }
    EXPECT_EQ(address_problem("10.0.0.256"), "is not a valid IPv4 address");
    EXPECT_EQ(address_problem("10.1"), "is not a valid IPv4 address");
    EXPECT_EQ(address_problem("[::1]"), "is not valid: write IPv6 addresses without brackets");
    EXPECT_EQ(address_problem("fd00::zz"), "is not a valid IPv6 address");
    EXPECT_EQ(address_problem("-db1"),
              "is not a valid host name (a label starts or ends with '-')");
    EXPECT_EQ(address_problem("db1..x"), "is not a valid host name (empty label)");
    EXPECT_EQ(address_problem(std::string(64, 'a') + ".com"),
              "is not a valid host name (a label is longer than 63 characters)");
    for (const char* bad : {"db 1", "db1;id", "$(id)", "`id`", "db1|x", "db_1", "db1&", "db1'"}) {
        EXPECT_NE(address_problem(bad), "") << bad;
    }
    EXPECT_EQ(normalize_address("FD00:0:0::1"), normalize_address("fd00::1"));
    EXPECT_EQ(normalize_address("DB1.Example.com."), "db1.example.com");
}

TEST(InventoryRules, HbaAddresses) {
    for (const char* good : {"10.0.0.0/8", "0.0.0.0/0", "::/0", "fd00::/8", "all", "samehost",
                             "samenet", "app.example.com", ".example.com"}) {
        EXPECT_EQ(hba_address_problem(good), "") << good;
    }
    EXPECT_EQ(hba_address_problem("10.0.0.0/33"), "has an invalid prefix length (0 to 32)");
    EXPECT_EQ(hba_address_problem("::/129"), "has an invalid prefix length (0 to 128)");
    EXPECT_EQ(hba_address_problem("10.0.0.0/-1"), "has an invalid prefix length (0 to 32)");
    EXPECT_EQ(hba_address_problem("10.0.0/8"), "is not a valid CIDR address");
    EXPECT_EQ(hba_address_problem("::1"),
              "needs a prefix length (for one address write '::1/128')");
    EXPECT_EQ(hba_address_problem("a b"), "is not a CIDR address or a host name");
}

TEST(InventoryRules, Names) {
    EXPECT_TRUE(is_inventory_name("db1"));
    EXPECT_TRUE(is_inventory_name("0db_a-b"));
    EXPECT_FALSE(is_inventory_name("_db"));
    EXPECT_FALSE(is_inventory_name("Db1"));
    EXPECT_FALSE(is_inventory_name(std::string(64, 'a')));
    EXPECT_TRUE(is_inventory_name(std::string(63, 'a')));
    EXPECT_TRUE(is_role_name("_repl1"));
    EXPECT_FALSE(is_role_name("repl-1"));
    EXPECT_TRUE(is_unix_user("deploy-user"));
    EXPECT_FALSE(is_unix_user("1deploy"));
    EXPECT_TRUE(is_env_var_name("PG_PASS_2"));
    EXPECT_FALSE(is_env_var_name("PG-PASS"));
    EXPECT_TRUE(is_setting_name("auto_explain.log_min_duration"));
    EXPECT_FALSE(is_setting_name("work mem"));
    EXPECT_TRUE(is_hba_token("+admins,@users.txt"));
    EXPECT_FALSE(is_hba_token("a b"));
    EXPECT_FALSE(is_hba_token("\"quoted\""));
    EXPECT_EQ(cluster_label_from_stem("--prod inventory"), "prod-inventory");
    EXPECT_EQ(cluster_label_from_stem("!!!"), "cluster");
}

TEST(InventoryRules, Paths) {
    EXPECT_EQ(safe_absolute_path_problem("/var/lib/postgresql/wal-archive"), "");
    EXPECT_EQ(safe_absolute_path_problem("var/wal"), "must be an absolute path");
    EXPECT_EQ(safe_absolute_path_problem("/"), "must not be the root directory");
    EXPECT_EQ(safe_absolute_path_problem("/srv/../etc"), "must not contain '..'");
    EXPECT_NE(safe_absolute_path_problem("/srv/wal;rm"), "");
    EXPECT_EQ(local_path_problem("~/.ssh/id"), "");
    EXPECT_EQ(local_path_problem("keys/id"), "");
    EXPECT_NE(local_path_problem("~root/.ssh/id"), "");
}

TEST(InventoryRules, SuggestionsAndQuoting) {
    EXPECT_EQ(did_you_mean("adress", {"name", "address", "role"}), " (did you mean 'address'?)");
    EXPECT_EQ(did_you_mean("Address", {"name", "address"}), " (did you mean 'address'?)");
    EXPECT_EQ(did_you_mean("xyz", {"name", "address"}), "");
    EXPECT_EQ(did_you_mean("ssh", {"ssl"}), " (did you mean 'ssl'?)");
    EXPECT_EQ(did_you_mean("abcd", {"ssl"}), "");
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
    EXPECT_EQ(edit_distance("ab", "ba"), 1U);
    EXPECT_EQ(quote_value(std::string("a\nb\0c", 5)), "'a\\nb\\x00c'");
    EXPECT_EQ(quote_value(std::string(70, 'x')), "'" + std::string(60, 'x') + "...'");
}

}  // namespace
}  // namespace pgrepl::inventory_detail
