// pgrepl conninfo's pure parts: the application login from the inventory, the order of the
// hosts by the live topology and the four formats (docs/conninfo.md).
#include "pgrepl/conninfo/conninfo.hpp"

#include <gtest/gtest.h>

#include "pgrepl/pg/quote.hpp"

namespace pgrepl {
namespace {

Inventory with_access(std::vector<AccessRule> rules) {
    Inventory inventory;
    inventory.access = std::move(rules);
    return inventory;
}

AccessRule rule(std::string database, std::string user) {
    AccessRule access;
    access.database = std::move(database);
    access.user = std::move(user);
    access.address = "10.0.0.0/24";
    return access;
}

TEST(ConninfoLogin, TheFirstAccessEntryNamingOneRole) {
    const auto inventory = with_access(
        {rule("all", "all"), rule("shop", "+staff"), rule("shop", "app"), rule("other", "later")});
    auto login = application_login(inventory, std::nullopt, std::nullopt);
    ASSERT_TRUE(login);
    EXPECT_EQ(login->first, "app");
    EXPECT_EQ(login->second, "shop");
}

TEST(ConninfoLogin, SameuserAllAndGivenValues) {
    auto same = application_login(with_access({rule("sameuser", "app")}), {}, {});
    ASSERT_TRUE(same);
    EXPECT_EQ(same->second, "app");
    auto all = application_login(with_access({rule("all", "app")}), {}, {});
    ASSERT_TRUE(all);
    EXPECT_EQ(all->second, "postgres");
    // A given user finds its own entry's database; given values win.
    auto given = application_login(with_access({rule("a", "x"), rule("b", "y")}), "y", {});
    ASSERT_TRUE(given);
    EXPECT_EQ(given->second, "b");
    auto both = application_login(with_access({}), "u", "d");
    ASSERT_TRUE(both);
    EXPECT_EQ(*both, (std::pair<std::string, std::string>{"u", "d"}));
}

TEST(ConninfoLogin, NoUserOrABadValueIsAUsageError) {
    auto none = application_login(with_access({rule("all", "all")}), {}, {});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, ErrorKind::Usage);
    EXPECT_NE(none.error().message.find("give --user"), std::string::npos);
    auto bad = application_login(with_access({}), std::string("a\nb"), {});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::Usage);
    EXPECT_FALSE(application_login(with_access({}), std::string(), {}));
}

LiveTopology topology_of(std::vector<LiveRole> roles) {
    LiveTopology topology;
    for (auto role : roles) {
        TopologyNode node;
        node.role = role;
        topology.nodes.push_back(node);
    }
    return topology;
}

TEST(ConninfoOrder, PrimaryFirstForWritesStandbysFirstForReads) {
    // After a failover: db1 is gone, db3 is the primary.
    auto topology =
        topology_of({LiveRole::Unknown, LiveRole::Standby, LiveRole::Primary, LiveRole::Standby});
    EXPECT_EQ(conninfo_order(topology, ConninfoPurpose::Write),
              (std::vector<std::size_t>{2, 1, 3, 0}));
    EXPECT_EQ(conninfo_order(topology, ConninfoPurpose::Read),
              (std::vector<std::size_t>{1, 3, 2, 0}));
    topology.nodes[3].member = false;  // another cluster's server: left out
    EXPECT_EQ(conninfo_order(topology, ConninfoPurpose::Write),
              (std::vector<std::size_t>{2, 1, 0}));
}

ConninfoSpec spec(ConninfoPurpose purpose) {
    ConninfoSpec spec;
    spec.servers = {{"10.0.0.12", 5432}, {"db1.example", 5433}};
    spec.user = "app";
    spec.database = "shop";
    spec.purpose = purpose;
    return spec;
}

TEST(ConninfoRender, EveryFormatForWrites) {
    const auto write = spec(ConninfoPurpose::Write);
    EXPECT_EQ(render_conninfo(write, ConninfoFormat::Uri),
              "postgresql://app@10.0.0.12:5432,db1.example:5433/"
              "shop?target_session_attrs=read-write&connect_timeout=5\n");
    EXPECT_EQ(render_conninfo(write, ConninfoFormat::Keyword),
              "host='10.0.0.12,db1.example' port='5432,5433' user=app dbname=shop "
              "target_session_attrs=read-write connect_timeout=5\n");
    EXPECT_EQ(render_conninfo(write, ConninfoFormat::Jdbc),
              "jdbc:postgresql://10.0.0.12:5432,db1.example:5433/"
              "shop?user=app&targetServerType=primary&connectTimeout=5\n");
    EXPECT_EQ(render_conninfo(write, ConninfoFormat::Env),
              "PGHOST=10.0.0.12,db1.example\nPGPORT=5432,5433\nPGUSER=app\nPGDATABASE=shop\n"
              "PGTARGETSESSIONATTRS=read-write\nPGCONNECT_TIMEOUT=5\n");
}

TEST(ConninfoRender, ReadsPreferAStandby) {
    const auto read = spec(ConninfoPurpose::Read);
    EXPECT_NE(
        render_conninfo(read, ConninfoFormat::Uri).find("target_session_attrs=prefer-standby"),
        std::string::npos);
    EXPECT_NE(render_conninfo(read, ConninfoFormat::Jdbc).find("targetServerType=preferSecondary"),
              std::string::npos);
    EXPECT_NE(
        render_conninfo(read, ConninfoFormat::Env).find("PGTARGETSESSIONATTRS=prefer-standby"),
        std::string::npos);
}

TEST(ConninfoRender, OddNamesAreQuotedOrEncoded) {
    auto odd = spec(ConninfoPurpose::Write);
    odd.servers = {{"fd00::12", 5432}};
    odd.user = "o'neil app";
    odd.database = "my db/1";
    EXPECT_EQ(render_conninfo(odd, ConninfoFormat::Uri),
              "postgresql://o%27neil%20app@[fd00::12]:5432/"
              "my%20db%2F1?target_session_attrs=read-write&connect_timeout=5\n");
    const auto keyword = render_conninfo(odd, ConninfoFormat::Keyword);
    auto parsed = parse_conninfo(keyword.substr(0, keyword.size() - 1));
    ASSERT_TRUE(parsed) << keyword;
    std::map<std::string, std::string> values(parsed->begin(), parsed->end());
    EXPECT_EQ(values["host"], "fd00::12");
    EXPECT_EQ(values["user"], "o'neil app");
    EXPECT_EQ(values["dbname"], "my db/1");
    EXPECT_NE(render_conninfo(odd, ConninfoFormat::Env).find("PGUSER='o'\\''neil app'\n"),
              std::string::npos);
}

}  // namespace
}  // namespace pgrepl
