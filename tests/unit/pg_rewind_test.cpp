// The rewind role's SQL: the grants per version, the probe and its parser.
#include "pgrepl/pg/rewind.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "pg_test_versions.hpp"

namespace pgrepl {
namespace {

const std::vector<std::string> kFunctions = {
    "pg_catalog.pg_ls_dir(text, boolean, boolean)",
    "pg_catalog.pg_stat_file(text, boolean)",
    "pg_catalog.pg_read_binary_file(text)",
    "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
};

TEST(PgRewind, TheGrantsPerVersion) {
    for (const PgVersion version : testing::kAllPgVersions) {
        SCOPED_TRACE(version.to_string());
        if (version.number() < 1100) {
            EXPECT_FALSE(rewind_role_supported(version));
            EXPECT_TRUE(rewind_functions(version).empty());
            EXPECT_THROW(rewind_role_sql(version, "r", "pw", RoleExists::No),
                         std::invalid_argument);
            continue;
        }
        EXPECT_TRUE(rewind_role_supported(version));
        EXPECT_EQ(rewind_functions(version), kFunctions);
        const std::string sql =
            rewind_role_sql(version, "pgrepl_rewind", "s3'cret", RoleExists::No);
        EXPECT_NE(sql.find("SET log_statement = 'none';"), std::string::npos) << sql;
        EXPECT_NE(sql.find("SET password_encryption = 'scram-sha-256';"), std::string::npos);
        EXPECT_NE(sql.find("CREATE ROLE \"pgrepl_rewind\" WITH LOGIN NOSUPERUSER NOREPLICATION "
                           "PASSWORD 's3''cret';\n"),
                  std::string::npos)
            << sql;
        for (const std::string& function : kFunctions) {
            EXPECT_NE(
                sql.find("GRANT EXECUTE ON FUNCTION " + function + " TO \"pgrepl_rewind\";\n"),
                std::string::npos)
                << function;
        }
        // Nothing else is granted.
        std::size_t grants = 0;
        for (auto at = sql.find("GRANT "); at != std::string::npos; at = sql.find("GRANT ", at + 1))
            ++grants;
        EXPECT_EQ(grants, kFunctions.size());
        const std::string alter = rewind_role_sql(version, "r", "pw", RoleExists::Yes);
        EXPECT_NE(
            alter.find("ALTER ROLE \"r\" WITH LOGIN NOSUPERUSER NOREPLICATION PASSWORD 'pw';"),
            std::string::npos);
    }
}

TEST(PgRewind, ProbeAsksEveryGrant) {
    const std::string sql = rewind_role_probe_sql({15, 0}, "a'b");
    EXPECT_NE(sql.find("FROM pg_authid WHERE rolname = 'a''b'"), std::string::npos) << sql;
    for (const std::string& function : kFunctions) {
        EXPECT_NE(sql.find("has_function_privilege(oid, '" + function + "', 'EXECUTE')"),
                  std::string::npos)
            << function;
    }
    EXPECT_EQ(rewind_role_probe_sql({10, 0}, "r").find("has_function_privilege"),
              std::string::npos);
}

TEST(PgRewind, ParsesTheProbe) {
    const PgVersion v15{15, 0};
    auto none = parse_rewind_role_probe(v15, "");
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    auto full = parse_rewind_role_probe(v15, "t|t|f|f|t|t|t|t|t\n");
    ASSERT_TRUE(full && *full);
    EXPECT_TRUE((*full)->can_login);
    EXPECT_FALSE((*full)->superuser);
    EXPECT_FALSE((*full)->replication);
    EXPECT_TRUE((*full)->has_password);
    EXPECT_TRUE((*full)->missing_grants.empty());
    auto partial = parse_rewind_role_probe(v15, "t|t|f|t|f|t|f|t|f\n");
    ASSERT_TRUE(partial && *partial);
    EXPECT_TRUE((*partial)->replication);
    EXPECT_FALSE((*partial)->has_password);
    EXPECT_EQ((*partial)->missing_grants, (std::vector<std::string>{kFunctions[1], kFunctions[3]}));
    auto old = parse_rewind_role_probe({10, 0}, "t|t|f|f|t\n");
    ASSERT_TRUE(old && *old);
    EXPECT_TRUE((*old)->missing_grants.empty());
    EXPECT_FALSE(parse_rewind_role_probe(v15, "t|t|f|f|t\n"));              // too few columns
    EXPECT_FALSE(parse_rewind_role_probe(v15, "t|t|f|f|t|t|t|t|maybe\n"));  // not a boolean
    EXPECT_FALSE(parse_rewind_role_probe(v15, "t|t|f|f|t|t|t|t|t\nt|t|f|f|t|t|t|t|t\n"));
}

TEST(PgRewind, ParsesItsOutput) {
    // 13 and later: pg_log_info lines on stderr, with the program's name.
    auto parsed = parse_rewind_output(
        "pg_rewind: servers diverged at WAL location 0/3000A28 on timeline 1\n"
        "pg_rewind: rewinding from last common checkpoint at 0/2000060 on timeline 1\n"
        "pg_rewind: Done!\n");
    EXPECT_FALSE(parsed.no_rewind_required);
    EXPECT_EQ(parsed.fork_point, 0x3000A28u);
    EXPECT_EQ(parsed.fork_timeline, 1u);
    EXPECT_EQ(parsed.common_checkpoint, 0x2000060u);
    // 11 and 12: progress lines on stdout, without the prefix.
    parsed = parse_rewind_output(
        "servers diverged at WAL location 1/A0000000 on timeline 3\n"
        "rewinding from last common checkpoint at 1/9F000028 on timeline 3\nDone!\n");
    EXPECT_EQ(parsed.fork_point, 0x1A0000000u);
    EXPECT_EQ(parsed.fork_timeline, 3u);
    EXPECT_EQ(parsed.common_checkpoint, 0x19F000028u);
    // Nothing to do.
    parsed = parse_rewind_output(
        "pg_rewind: servers diverged at WAL location 0/3000A28 on timeline 1\n"
        "pg_rewind: no rewind required\n");
    EXPECT_TRUE(parsed.no_rewind_required);
    EXPECT_EQ(parsed.fork_point, 0x3000A28u);
    EXPECT_FALSE(parsed.common_checkpoint);
    EXPECT_FALSE(parsed.same_timeline);
    // The source's pg_control still names the target's timeline (just promoted).
    parsed = parse_rewind_output(
        "pg_rewind: source and target cluster are on the same timeline\n"
        "pg_rewind: no rewind required\n");
    EXPECT_TRUE(parsed.same_timeline);
    EXPECT_TRUE(parsed.no_rewind_required);
    EXPECT_FALSE(parsed.fork_point);
    // Noise, and a timeline out of range.
    parsed = parse_rewind_output("servers diverged at WAL location 0/1 on timeline 99999999999\n");
    EXPECT_EQ(parsed.fork_point, 1u);
    EXPECT_EQ(parsed.fork_timeline, 0u);
    EXPECT_FALSE(parse_rewind_output("").fork_point);
}

}  // namespace
}  // namespace pgrepl
