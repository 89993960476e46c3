#include "pgrepl/pg/sql.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "pg_test_versions.hpp"

namespace pgrepl {
namespace {

TEST(PgSql, RoleProbe) {
    EXPECT_EQ(role_probe_sql("rep'l"),
              "SELECT 't', rolreplication, rolcanlogin, rolsuper, CASE WHEN rolpassword IS NULL "
              "THEN 'none' WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram' WHEN rolpassword "
              "LIKE 'md5%' THEN 'md5' ELSE 'other' END FROM pg_authid WHERE rolname = "
              "'rep''l';\n");
    const auto found = parse_role_probe("t|t|t|f|scram\n");
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(found->has_value());
    EXPECT_TRUE((*found)->replication);
    EXPECT_TRUE((*found)->can_login);
    EXPECT_FALSE((*found)->superuser);
    EXPECT_EQ((*found)->password, PasswordKind::Scram);
    const auto md5 = parse_role_probe("t|f|t|t|md5\n");
    ASSERT_TRUE(md5.ok());
    EXPECT_TRUE((*md5)->superuser);
    EXPECT_EQ((*md5)->password, PasswordKind::Md5);
    const auto missing = parse_role_probe("");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
    EXPECT_FALSE(parse_role_probe("t|t|t|f\n").ok());
    EXPECT_FALSE(parse_role_probe("t|t|t|f|sha1\n").ok());
    EXPECT_FALSE(parse_role_probe("t|yes|t|f|none\n").ok());
}

constexpr const char* kQuiet =
    "SET log_statement = 'none';\n"
    "SET log_min_duration_statement = -1;\n"
    "SET log_min_error_statement = 'panic';\n"
    "SET pgaudit.log = 'none';\n";

TEST(PgSql, CreateAndAlterRoleForEveryVersion) {
    for (PgVersion version : testing::kAllPgVersions) {
        const std::string encryption = version.number() >= 1000
                                           ? "SET password_encryption = 'scram-sha-256';\n"
                                           : "SET password_encryption = on;\n";
        EXPECT_EQ(create_role_sql(version, "replicator", "pa'ss\\word"),
                  kQuiet + encryption +
                      "CREATE ROLE \"replicator\" WITH LOGIN REPLICATION NOSUPERUSER PASSWORD "
                      "E'pa''ss\\\\word';\n");
        EXPECT_EQ(alter_role_sql(version, "Rep\"x", "secret"),
                  kQuiet + encryption +
                      "ALTER ROLE \"Rep\"\"x\" WITH LOGIN REPLICATION PASSWORD 'secret';\n");
    }
}

TEST(PgSql, NeverGrantsSuperuser) {
    const std::string sql = create_role_sql({15, 0}, "r", "p") + alter_role_sql({15, 0}, "r", "p");
    std::size_t pos = 0;
    while ((pos = sql.find("SUPERUSER", pos)) != std::string::npos) {
        EXPECT_EQ(sql.substr(pos - 2, 2), "NO");
        ++pos;
    }
}

TEST(PgSql, SlotNames) {
    EXPECT_EQ(slot_name_for("db-2"), "db_2");
    EXPECT_EQ(slot_name_for("DB-West.1"), "db_west_1");
    EXPECT_EQ(slot_name_for(std::string(80, 'a')), std::string(63, 'a'));
    EXPECT_THROW(slot_name_for(""), std::invalid_argument);
    EXPECT_TRUE(is_valid_slot_name("db_2"));
    EXPECT_FALSE(is_valid_slot_name("db-2"));
    EXPECT_FALSE(is_valid_slot_name(""));
    EXPECT_FALSE(is_valid_slot_name(std::string(64, 'a')));
    EXPECT_FALSE(is_valid_slot_name("x'; DROP"));
}

TEST(PgSql, SlotStatements) {
    // One text for every version: wal_status and safe_wal_size (13+) through to_jsonb.
    EXPECT_EQ(slot_list_sql(),
              "SELECT slot_name, slot_type, active, coalesce(restart_lsn::text, ''), "
              "coalesce(to_jsonb(s)->>'wal_status', ''), coalesce(to_jsonb(s)->>'safe_wal_size', "
              "'') FROM pg_replication_slots AS s ORDER BY slot_name;\n");
    EXPECT_EQ(drop_inactive_slots_sql({"db_3", "db_4"}),
              "SELECT slot_name FROM (SELECT slot_name, pg_drop_replication_slot(slot_name) FROM "
              "pg_replication_slots WHERE NOT active AND slot_type = 'physical' AND slot_name IN "
              "('db_3', 'db_4')) AS dropped;\n");
    EXPECT_THROW(drop_inactive_slots_sql({"db'3"}), std::invalid_argument);
    EXPECT_EQ(create_slot_sql("db_2"),
              "SELECT pg_create_physical_replication_slot('db_2', true) WHERE NOT EXISTS "
              "(SELECT 1 FROM pg_replication_slots WHERE slot_name = 'db_2');\n");
    EXPECT_EQ(drop_slot_sql("db_2"),
              "SELECT pg_drop_replication_slot('db_2') WHERE EXISTS (SELECT 1 FROM "
              "pg_replication_slots WHERE slot_name = 'db_2');\n");
    EXPECT_THROW(create_slot_sql("db-2"), std::invalid_argument);
    EXPECT_THROW(drop_slot_sql("a'b"), std::invalid_argument);
}

TEST(PgSql, ParseSlotList) {
    const auto slots = parse_slot_list("db_2|physical|t|0/3000148|reserved|\ndb_3|physical|f|||\n");
    ASSERT_TRUE(slots.ok());
    ASSERT_EQ(slots->size(), 2u);
    EXPECT_EQ((*slots)[0].name, "db_2");
    EXPECT_EQ((*slots)[0].type, "physical");
    EXPECT_TRUE((*slots)[0].active);
    EXPECT_EQ((*slots)[0].restart_lsn, "0/3000148");
    EXPECT_FALSE((*slots)[1].active);
    EXPECT_EQ((*slots)[0].wal_status, "reserved");
    EXPECT_EQ((*slots)[1].wal_status, "");
    EXPECT_FALSE(slot_wal_at_risk((*slots)[0]));
    EXPECT_TRUE(slot_wal_at_risk(SlotInfo{"db_3", "physical", false, "", "lost", ""}));
    EXPECT_TRUE(slot_wal_at_risk(SlotInfo{"db_3", "physical", false, "0/1", "unreserved", "-1"}));
    EXPECT_EQ((*slots)[1].restart_lsn, "");
    EXPECT_FALSE(parse_slot_list("db_2|physical|x|||\n").ok());
    EXPECT_TRUE(parse_slot_list("")->empty());
}

TEST(PgSql, RecoveryAndVersion) {
    EXPECT_EQ(is_in_recovery_sql(), "SELECT pg_is_in_recovery();\n");
    EXPECT_EQ(*parse_is_in_recovery("t\n"), true);
    EXPECT_EQ(*parse_is_in_recovery("f\n"), false);
    EXPECT_FALSE(parse_is_in_recovery("").ok());
    EXPECT_FALSE(parse_is_in_recovery("t\nf\n").ok());
    EXPECT_FALSE(parse_is_in_recovery("yes\n").ok());

    EXPECT_EQ(server_version_sql(), "SHOW server_version_num;\n");
    EXPECT_EQ(*parse_server_version("90624\n"), (PgVersion{9, 6}));
    EXPECT_EQ(*parse_server_version("100023\n"), (PgVersion{10, 0}));
    EXPECT_EQ(*parse_server_version("150004\n"), (PgVersion{15, 0}));
    EXPECT_EQ(*parse_server_version("170000\n"), (PgVersion{17, 0}));
    EXPECT_FALSE(parse_server_version("15.4\n").ok());
    EXPECT_FALSE(parse_server_version("").ok());
}

TEST(PgSql, LsnQueriesForEveryVersion) {
    for (PgVersion version : testing::kAllPgVersions) {
        const bool modern = version.number() >= 1000;
        EXPECT_EQ(replay_lsn_sql(version), modern ? "SELECT pg_last_wal_replay_lsn();\n"
                                                  : "SELECT pg_last_xlog_replay_location();\n");
        EXPECT_EQ(current_lsn_sql(version), modern ? "SELECT pg_current_wal_lsn();\n"
                                                   : "SELECT pg_current_xlog_location();\n");
    }
    EXPECT_EQ(**parse_single_lsn("16/B374D848\n"), "16/B374D848");
    const auto null_lsn = parse_single_lsn("");
    ASSERT_TRUE(null_lsn.ok());
    EXPECT_FALSE(null_lsn->has_value());
    EXPECT_FALSE(parse_single_lsn("garbage\n").ok());
}

TEST(PgSql, SystemIdentifier) {
    EXPECT_EQ(system_identifier_sql(), "SELECT system_identifier FROM pg_control_system();\n");
    EXPECT_EQ(*parse_system_identifier("7157829264375232045\n"), "7157829264375232045");
    EXPECT_FALSE(parse_system_identifier("").ok());
    EXPECT_FALSE(parse_system_identifier("abc\n").ok());
}

TEST(PgSql, PromoteForEveryVersion) {
    for (PgVersion version : testing::kAllPgVersions) {
        const auto sql = promote_sql(version);
        if (version.number() >= 1200) {
            ASSERT_TRUE(sql) << version.number();
            EXPECT_EQ(*sql, "SELECT pg_promote(true, 60);\n");
        } else {
            EXPECT_FALSE(sql) << version.number();
        }
    }
    EXPECT_EQ(*promote_sql({16, 0}, 5), "SELECT pg_promote(true, 5);\n");
}

}  // namespace
}  // namespace pgrepl
