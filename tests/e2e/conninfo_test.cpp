// `pgrepl conninfo` against the real psql and libpq: the write string lands on the primary, the
// read string on a standby; after a switchover and after a promote (the primary's host lost
// power), the same write string, not regenerated, lands on the new primary. A sudo user and
// port 5433 (docs/conninfo.md).
#include <gtest/gtest.h>

#include <sstream>

#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

constexpr const char* kPassword = "app-secret";

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// The string `pgrepl conninfo ARGS` prints (its one line), or fails the test.
std::string conninfo(const std::string& inventory, std::vector<std::string> args) {
    args.insert(args.begin(), {"conninfo", "-i", inventory});
    const ProcessResult result = run_pgrepl(args);
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_FALSE(has(result.out + result.err, kPassword)) << result.describe();
    std::string line = result.out;
    while (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
}

/// "f|10.231.0.1N" (primary) or "t|..." (standby): where the real psql lands with `target`
/// (a URI or keyword string), the password from the environment only.
std::string lands_on(const std::string& target, const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv{"env", std::string("PGPASSWORD=") + kPassword};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.insert(argv.end(), {"psql", "-X", "-At", "-c",
                             "SELECT pg_is_in_recovery(), host(inet_server_addr())"});
    if (!target.empty()) argv.insert(argv.end(), {"-d", target});
    const ProcessResult result = run_local(argv);
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    std::string out = result.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

TEST(Conninfo, WriteAndReadStringsFollowSwitchoverAndPromote) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir, "pgrepl-op",
                                           "postgres:\n  version: 15\n  port: 5433\n"
                                           "access:\n  - type: host\n    database: shop\n"
                                           "    user: app\n    address: 10.231.0.0/24\n");
    const ProcessResult setup = run_pgrepl({"setup", inventory});
    ASSERT_EQ(setup.exit_code, 0) << setup.describe();
    ASSERT_TRUE(
        host_sql("db1", std::string("CREATE ROLE app LOGIN PASSWORD '") + kPassword + "'", 5433)
            .ok);
    ASSERT_TRUE(host_sql("db1", "CREATE DATABASE shop OWNER app", 5433).ok);
    for (const std::string host : {"db2", "db3"}) {
        ASSERT_EQ(wait_for_sql(host, "SELECT count(*) FROM pg_database WHERE datname = 'shop'", "1",
                               30, 5433),
                  "1");
    }

    // The role and database come from the access: entry; the primary is first for writes.
    const std::string write = conninfo(inventory, {});
    EXPECT_EQ(write,
              "postgresql://app@10.231.0.11:5433,10.231.0.12:5433,10.231.0.13:5433/"
              "shop?target_session_attrs=read-write&connect_timeout=5");
    const std::string write_keyword = conninfo(inventory, {"--format", "keyword"});
    const std::string read = conninfo(inventory, {"--for", "read"});
    EXPECT_TRUE(has(read,
                    "@10.231.0.12:5433,10.231.0.13:5433,10.231.0.11:5433/shop?"
                    "target_session_attrs=prefer-standby"))
        << read;
    EXPECT_EQ(lands_on(write), "f|10.231.0.11");
    EXPECT_EQ(lands_on(write_keyword), "f|10.231.0.11");
    EXPECT_EQ(lands_on(read).substr(0, 2), "t|");
    // env: the variables alone take psql there.
    std::vector<std::string> env;
    std::istringstream lines(conninfo(inventory, {"--format", "env", "--for", "read"}));
    for (std::string line; std::getline(lines, line);) env.push_back(line);
    EXPECT_EQ(lands_on("", env), "t|10.231.0.12");
    EXPECT_EQ(conninfo(inventory, {"--format", "jdbc", "--user", "other", "--database", "db"}),
              "jdbc:postgresql://10.231.0.11:5433,10.231.0.12:5433,10.231.0.13:5433/"
              "db?user=other&targetServerType=primary&connectTimeout=5");

    // A switchover: the same write string lands on db2, and a new string lists db2 first.
    const ProcessResult switched = run_pgrepl({"switchover", "db2", "-i", inventory});
    ASSERT_EQ(switched.exit_code, 0) << switched.describe();
    EXPECT_EQ(lands_on(write), "f|10.231.0.12");
    EXPECT_TRUE(has(conninfo(inventory, {}), "@10.231.0.12:5433,10.231.0.11:5433,"));

    // db2's host loses power; db3 is promoted: the same string lands on db3.
    ASSERT_EQ(run_lab({"power-off", "db2"}).exit_code, 0);
    const ProcessResult promoted = run_pgrepl({"promote", "db3", "-i", inventory});
    ASSERT_EQ(promoted.exit_code, 0) << promoted.describe();
    EXPECT_EQ(lands_on(write), "f|10.231.0.13");
    // The unreachable host is kept, last, and named on stderr.
    const ProcessResult now = run_pgrepl({"conninfo", "-i", inventory});
    EXPECT_EQ(now.exit_code, 0) << now.describe();
    EXPECT_TRUE(has(now.out, "@10.231.0.13:5433,10.231.0.11:5433,10.231.0.12:5433/")) << now.out;
    EXPECT_TRUE(has(now.err + now.out, "db2")) << now.describe();
    reset_lab();
}

TEST(Conninfo, WithoutAnApplicationUserItIsAUsageError) {
    TempDir dir;
    const auto inventory = write_inventory(dir);
    const ProcessResult result = run_pgrepl({"conninfo", "-i", inventory});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_TRUE(has(result.out + result.err, "give --user")) << result.describe();
}

}  // namespace
}  // namespace pgrepl::e2e
