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

TEST(PgSettingsCheck, QueryReadsCustomPlaceholdersOutsidePgSettings) {
    // pg_settings leaves out a placeholder (a prefix.name no module defines): a custom setting
    // is read with current_setting() instead, so setup does not call it unknown.
    const std::vector<ManagedSetting> settings = {{"wal_level", "replica"}, {"app.mode", "'x'"}};
    const auto query = pg_settings_query(settings);
    EXPECT_NE(query.find("WHERE name IN ('wal_level', 'app.mode')"), std::string::npos);
    EXPECT_NE(query.find("unnest(ARRAY['app.mode']::text[])"), std::string::npos);
    EXPECT_NE(query.find("current_setting(n, true) IS NOT NULL"), std::string::npos);
    EXPECT_EQ(query.substr(query.size() - 12), "ORDER BY 1;\n");
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

TEST(PgSettingsCheck, WithoutFileEntriesTheSourceFileDecides) {
    const auto rows = parse_pg_settings(kOutput);
    ASSERT_TRUE(rows.ok());
    const auto judgement = judge_settings(*rows, {}, kManaged);
    EXPECT_TRUE(judgement.pending_restart.empty());
    const auto& conflicts = judgement.conflicts;
    ASSERT_EQ(conflicts.size(), 3u);

    EXPECT_EQ(conflicts[0].name, "max_wal_senders");
    EXPECT_EQ(conflicts[0].kind, ConflictKind::NotApplied);
    EXPECT_EQ(conflicts[0].message,
              "max_wal_senders is not applied: its source is default (a restart applies it; if "
              "it persists, is conf.d included?)");

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

TEST(PgSettingsCheck, WithoutFileEntriesAPendingRestartIsMentioned) {
    SettingRow row{"wal_level",
                   "replica",
                   "",
                   "postmaster",
                   "configuration file",
                   "/etc/postgresql/15/main/postgresql.conf",
                   200,
                   true};
    const auto conflicts = judge_settings({row}, {}, kManaged).conflicts;
    ASSERT_EQ(conflicts.size(), 1u);
    EXPECT_NE(conflicts[0].message.find("a restart is pending"), std::string::npos);
}

// pg_file_settings' answer: shared_buffers from the managed file waits for a restart (the
// running value still comes from postgresql.conf:127), max_connections is set again by
// postgresql.auto.conf, work_mem's managed entry is a bad value, wal_level is in effect.
constexpr const char* kConf = "/etc/postgresql/15/main/postgresql.conf";
constexpr const char* kAuto = "/var/lib/postgresql/15/main/postgresql.auto.conf";

std::vector<SettingRow> running_rows() {
    return {
        {"max_connections", "100", "", "postmaster", "configuration file", kConf, 65, false},
        {"shared_buffers", "16384", "8kB", "postmaster", "configuration file", kConf, 127, true},
        {"wal_level", "replica", "", "postmaster", "configuration file", kManaged, 2, false},
        {"work_mem", "4096", "kB", "user", "default", "", 0, false},
    };
}

std::vector<FileSettingRow> file_rows() {
    return {
        {"max_connections", kConf, 65, 1, false, ""},
        {"shared_buffers", kConf, 127, 2, false, ""},
        {"wal_level", kManaged, 2, 5, true, ""},
        {"shared_buffers", kManaged, 3, 6, false, "setting could not be applied"},
        {"max_connections", kManaged, 4, 7, false, "setting could not be applied"},
        {"work_mem", kManaged, 5, 8, false, "setting could not be applied"},
        {"max_connections", kAuto, 3, 9, false, "setting could not be applied"},
    };
}

TEST(PgSettingsCheck, FileEntriesTellAPendingRestartFromAnOverride) {
    const auto judgement = judge_settings(running_rows(), file_rows(), kManaged);
    EXPECT_EQ(judgement.pending_restart, std::vector<std::string>{"shared_buffers"});
    ASSERT_EQ(judgement.conflicts.size(), 2u);
    EXPECT_EQ(judgement.conflicts[0].name, "max_connections");
    EXPECT_EQ(judgement.conflicts[0].kind, ConflictKind::OtherFile);
    EXPECT_EQ(judgement.conflicts[0].message, std::string("max_connections is set in ") + kAuto +
                                                  ":3, which overrides " + kManaged);
    EXPECT_EQ(judgement.conflicts[1].name, "work_mem");
    EXPECT_EQ(judgement.conflicts[1].kind, ConflictKind::Invalid);
    EXPECT_NE(judgement.conflicts[1].message.find("setting could not be applied"),
              std::string::npos);
}

TEST(PgSettingsCheck, TheAppliedEntryWinsOverALaterOne) {
    // After a restart the later entry is applied only when it is read last; an applied entry of
    // ours wins even when an erroneous later entry exists (it was not applied either).
    std::vector<SettingRow> rows = {
        {"max_connections", "200", "", "postmaster", "configuration file", kManaged, 4, false}};
    std::vector<FileSettingRow> files = {{"max_connections", kManaged, 4, 7, true, ""},
                                         {"max_connections", kAuto, 3, 9, false, "x"}};
    EXPECT_TRUE(judge_settings(rows, files, kManaged).conflicts.empty());
    // After a restart with ALTER SYSTEM's value in effect: the override, at its line.
    rows[0].sourcefile = kAuto;
    rows[0].sourceline = 3;
    files = {{"max_connections", kManaged, 4, 7, false, ""},
             {"max_connections", kAuto, 3, 9, true, ""}};
    const auto judgement = judge_settings(rows, files, kManaged);
    ASSERT_EQ(judgement.conflicts.size(), 1u);
    EXPECT_EQ(judgement.conflicts[0].sourcefile, kAuto);
    EXPECT_EQ(judgement.conflicts[0].sourceline, 3);
    EXPECT_TRUE(judgement.pending_restart.empty());
}

TEST(PgSettingsCheck, NoFileSettingItIsNotApplied) {
    std::vector<SettingRow> rows = {
        {"hot_standby", "on", "", "postmaster", "default", "", 0, false}};
    std::vector<FileSettingRow> files = {{"other", kConf, 1, 1, true, ""}};
    const auto judgement = judge_settings(rows, files, kManaged);
    ASSERT_EQ(judgement.conflicts.size(), 1u);
    EXPECT_EQ(judgement.conflicts[0].kind, ConflictKind::NotApplied);
}

TEST(PgSettingsCheck, FileSettingsQueryAndParser) {
    const auto sql = pg_file_settings_query({{"shared_buffers", "'64MB'"}});
    EXPECT_NE(sql.find("FROM pg_file_settings WHERE lower(name) IN ('shared_buffers') ORDER BY "
                       "seqno"),
              std::string::npos)
        << sql;
    const auto rows = parse_pg_file_settings(
        "shared_buffers|/etc/postgresql/15/main/postgresql.conf|127|3|f|\n"
        "shared_buffers|/etc/postgresql/15/main/conf.d/pgrepl.conf|9|12|f|setting could not be "
        "applied\n");
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[1].sourceline, 9);
    EXPECT_EQ((*rows)[1].seqno, 12);
    EXPECT_FALSE((*rows)[1].applied);
    EXPECT_EQ((*rows)[1].error, "setting could not be applied");
    EXPECT_FALSE(parse_pg_file_settings("a|b|x|1|f|\n").ok());
    EXPECT_FALSE(parse_pg_file_settings("a|b|1|1|maybe|\n").ok());
}

TEST(PgSettingsCheck, SettingDiffersComparesInBaseUnits) {
    const SettingRow buffers{"shared_buffers", "16384", "8kB", "postmaster", "", "", 0, false};
    EXPECT_EQ(setting_differs({"shared_buffers", "'128MB'"}, buffers), false);
    EXPECT_EQ(setting_differs({"shared_buffers", "'64MB'"}, buffers), true);
    EXPECT_EQ(setting_differs({"shared_buffers", "16384"}, buffers), false);
    const SettingRow connections{"max_connections", "100", "", "postmaster", "", "", 0, false};
    EXPECT_EQ(setting_differs({"max_connections", "'100'"}, connections), false);
    EXPECT_EQ(setting_differs({"max_connections", "'200'"}, connections), true);
    const SettingRow timeout{"wal_sender_timeout", "60000", "ms", "sighup", "", "", 0, false};
    EXPECT_EQ(setting_differs({"wal_sender_timeout", "'1min'"}, timeout), false);
    EXPECT_EQ(setting_differs({"wal_sender_timeout", "'10s'"}, timeout), true);
    const SettingRow hot{"hot_standby", "on", "", "postmaster", "", "", 0, false};
    EXPECT_EQ(setting_differs({"hot_standby", "on"}, hot), false);
    EXPECT_EQ(setting_differs({"hot_standby", "'true'"}, hot), false);
    EXPECT_EQ(setting_differs({"hot_standby", "off"}, hot), true);
    EXPECT_EQ(setting_differs({"hot_standby", "'maybe'"}, hot), std::nullopt);
    const SettingRow level{"wal_level", "replica", "", "postmaster", "", "", 0, false};
    EXPECT_EQ(setting_differs({"wal_level", "replica"}, level), false);
    EXPECT_EQ(setting_differs({"wal_level", "logical"}, level), true);
    EXPECT_EQ(setting_differs({"shared_buffers", "'lots'"}, buffers), std::nullopt);
}

TEST(PgSettingsCheck, HotStandbyChange) {
    const std::vector<SettingRow> running = {
        {"max_connections", "100", "", "postmaster", "", "", 0, false},
        {"max_wal_senders", "10", "", "postmaster", "", "", 0, false},
        {"shared_buffers", "16384", "8kB", "postmaster", "", "", 0, false}};
    const auto up = hot_standby_change(
        {{"max_connections", "'200'"}, {"max_wal_senders", "10"}, {"shared_buffers", "'1GB'"}},
        running);
    EXPECT_EQ(up.rising, std::vector<std::string>{"max_connections"});
    EXPECT_TRUE(up.falling.empty());
    const auto down = hot_standby_change({{"max_wal_senders", "5"}}, running);
    EXPECT_EQ(down.falling, std::vector<std::string>{"max_wal_senders"});
    EXPECT_TRUE(is_hot_standby_parameter("max_locks_per_transaction"));
    EXPECT_FALSE(is_hot_standby_parameter("shared_buffers"));
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
