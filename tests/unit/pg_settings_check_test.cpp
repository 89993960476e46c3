#include "pgrepl/pg/settings_check.hpp"

#include <gtest/gtest.h>

namespace pgrepl {
namespace {

constexpr const char* kManaged = "/etc/postgresql/15/main/conf.d/90-pgrepl.conf";

TEST(PgSettingsCheck, QueryListsManagedNames) {
    const std::vector<ManagedSetting> settings = {{"wal_level", "replica"},
                                                  {"application_name", "'x'"}};
    EXPECT_EQ(pg_settings_query(settings),
              "SELECT name, translate(coalesce(setting, ''), chr(124) || chr(10) || chr(13), "
              "'   '), coalesce(unit, ''), context, source, translate(coalesce(sourcefile, ''), "
              "chr(124) || chr(10) || chr(13), '   '), coalesce(sourceline::text, ''), "
              "pending_restart FROM pg_settings WHERE name IN ('wal_level', 'application_name') "
              "ORDER BY name;\n");
    EXPECT_NE(pg_settings_query({}).find("IN (NULL)"), std::string::npos);
}

constexpr const char* kOutput =
    "archive_command|test ! -f /arch/%f && cp %p /arch/%f||sighup|configuration file|"
    "/etc/postgresql/15/main/conf.d/90-pgrepl.conf|8|f\n"
    "hot_standby|on||postmaster|configuration file|"
    "/etc/postgresql/15/main/conf.d/90-pgrepl.conf|6|f\n"
    "listen_addresses|localhost||postmaster|configuration file|"
    "/etc/postgresql/15/main/conf.d/90-pgrepl.conf|2|t\n"
    "max_wal_senders|10||postmaster|default|||f\n"
    "wal_keep_size|2048|MB|sighup|configuration file|"
    "/var/lib/postgresql/15/main/postgresql.auto.conf|3|f\n"
    "work_mem|4096|kB|user|default|||f\n";

TEST(PgSettingsCheck, ParsesRealisticOutput) {
    const auto rows = parse_pg_settings(kOutput);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->size(), 6u);
    const SettingRow& first = (*rows)[0];
    EXPECT_EQ(first.name, "archive_command");
    EXPECT_EQ(first.setting, "test ! -f /arch/%f && cp %p /arch/%f");
    EXPECT_EQ(first.unit, "");
    EXPECT_EQ(first.context, "sighup");
    EXPECT_EQ(first.source, "configuration file");
    EXPECT_EQ(first.sourcefile, kManaged);
    EXPECT_EQ(first.sourceline, 8);
    EXPECT_FALSE(first.pending_restart);
    EXPECT_TRUE((*rows)[2].pending_restart);
    EXPECT_EQ((*rows)[3].sourceline, 0);
    EXPECT_EQ((*rows)[4].unit, "MB");
}

TEST(PgSettingsCheck, RejectsMalformedOutput) {
    EXPECT_FALSE(parse_pg_settings("wal_level|replica\n").ok());
    EXPECT_FALSE(parse_pg_settings("a|b|c|d|e|f|x|f\n").ok());
    EXPECT_FALSE(parse_pg_settings("a|b|c|d|e|f|1|maybe\n").ok());
    const auto empty = parse_pg_settings("");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
}

TEST(PgSettingsCheck, FindsConflicts) {
    const auto rows = parse_pg_settings(kOutput);
    ASSERT_TRUE(rows.ok());
    const auto conflicts = find_setting_conflicts(*rows, kManaged);
    ASSERT_EQ(conflicts.size(), 3u);

    EXPECT_EQ(conflicts[0].name, "max_wal_senders");
    EXPECT_EQ(conflicts[0].kind, ConflictKind::NotApplied);
    EXPECT_EQ(conflicts[0].message,
              "max_wal_senders is not applied: the server still uses its default value (a "
              "restart applies it; if it persists, is conf.d included?)");

    EXPECT_EQ(conflicts[1].name, "wal_keep_size");
    EXPECT_EQ(conflicts[1].kind, ConflictKind::OtherFile);
    EXPECT_EQ(conflicts[1].sourcefile, "/var/lib/postgresql/15/main/postgresql.auto.conf");
    EXPECT_EQ(conflicts[1].sourceline, 3);
    EXPECT_EQ(conflicts[1].message,
              "wal_keep_size is set in /var/lib/postgresql/15/main/postgresql.auto.conf:3, "
              "which overrides /etc/postgresql/15/main/conf.d/90-pgrepl.conf");

    EXPECT_EQ(conflicts[2].name, "work_mem");
    EXPECT_EQ(conflicts[2].message,
              "work_mem is not applied: its source is default (is conf.d included?)");
}

TEST(PgSettingsCheck, PendingRestartIsMentioned) {
    SettingRow row{"wal_level",
                   "replica",
                   "",
                   "postmaster",
                   "configuration file",
                   "/etc/postgresql/15/main/postgresql.conf",
                   200,
                   true};
    const auto conflicts = find_setting_conflicts({row}, kManaged);
    ASSERT_EQ(conflicts.size(), 1u);
    EXPECT_NE(conflicts[0].message.find("a restart is pending"), std::string::npos);
}

TEST(PgSettingsCheck, MissingSettings) {
    const auto rows = parse_pg_settings(kOutput);
    ASSERT_TRUE(rows.ok());
    const std::vector<ManagedSetting> settings = {
        {"hot_standby", "on"}, {"shared_buffer", "'1GB'"}, {"work_mem", "'4MB'"}};
    EXPECT_EQ(missing_settings(settings, *rows), std::vector<std::string>{"shared_buffer"});
}

}  // namespace
}  // namespace pgrepl
