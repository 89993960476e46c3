#include "pgrepl/pg/settings.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace pgrepl {
namespace {

struct ConfCase {
    PgVersion version;
    const char* expected;
};

constexpr const char* kPre13 =
    "# Managed by pgrepl: edits are overwritten.\n"
    "# node db1 (primary)\n"
    "listen_addresses = '*'\n"
    "wal_level = replica\n"
    "max_wal_senders = 10\n"
    "max_replication_slots = 10\n"
    "wal_keep_segments = 64\n"
    "hot_standby = on\n"
    "wal_log_hints = on\n"
    "wal_receiver_timeout = 10s\n"
    "wal_receiver_status_interval = 2s\n";

constexpr const char* k13On =
    "# Managed by pgrepl: edits are overwritten.\n"
    "# node db1 (primary)\n"
    "listen_addresses = '*'\n"
    "wal_level = replica\n"
    "max_wal_senders = 10\n"
    "max_replication_slots = 10\n"
    "wal_keep_size = 1GB\n"
    "max_slot_wal_keep_size = 10GB\n"
    "hot_standby = on\n"
    "wal_log_hints = on\n"
    "wal_receiver_timeout = 10s\n"
    "wal_receiver_status_interval = 2s\n";

TEST(PgSettings, DefaultManagedConfForEveryVersion) {
    const ConfCase cases[] = {
        {{9, 6}, kPre13}, {{10, 0}, kPre13}, {{11, 0}, kPre13}, {{12, 0}, kPre13}, {{13, 0}, k13On},
        {{14, 0}, k13On}, {{15, 0}, k13On},  {{16, 0}, k13On},  {{17, 0}, k13On},
    };
    for (const ConfCase& c : cases) {
        NodeSettingsInput input;
        input.version = c.version;
        EXPECT_EQ(render_managed_conf(managed_settings(input), "node db1 (primary)"), c.expected)
            << "version " << c.version.number();
    }
}

constexpr const char* kArchivedPre13 =
    "# Managed by pgrepl: edits are overwritten.\n"
    "listen_addresses = '*'\n"
    "wal_level = replica\n"
    "max_wal_senders = '20'  # inventory setting (replaces the pgrepl default)\n"
    "max_replication_slots = 8\n"
    "wal_keep_segments = 32\n"
    "hot_standby = on\n"
    "wal_log_hints = on\n"
    "wal_receiver_timeout = 10s\n"
    "wal_receiver_status_interval = 2s\n"
    "archive_mode = on\n"
    "archive_command = 'test ! -f /arch/%f && cp %p /arch/%f'\n"
    "archive_timeout = 120\n"
    "shared_buffers = '256MB'  # inventory setting\n"
    "application_name = 'it''s \\\\ odd'  # inventory setting\n";

constexpr const char* kArchived13On =
    "# Managed by pgrepl: edits are overwritten.\n"
    "listen_addresses = '*'\n"
    "wal_level = replica\n"
    "max_wal_senders = '20'  # inventory setting (replaces the pgrepl default)\n"
    "max_replication_slots = 8\n"
    "wal_keep_size = 500MB\n"
    "max_slot_wal_keep_size = 10GB\n"
    "hot_standby = on\n"
    "wal_log_hints = on\n"
    "wal_receiver_timeout = 10s\n"
    "wal_receiver_status_interval = 2s\n"
    "archive_mode = on\n"
    "archive_command = 'test ! -f /arch/%f && cp %p /arch/%f'\n"
    "archive_timeout = 120\n"
    "shared_buffers = '256MB'  # inventory setting\n"
    "application_name = 'it''s \\\\ odd'  # inventory setting\n";

TEST(PgSettings, ArchivingAndInventorySettingsForEveryVersion) {
    const ConfCase cases[] = {
        {{9, 6}, kArchivedPre13},  {{10, 0}, kArchivedPre13}, {{11, 0}, kArchivedPre13},
        {{12, 0}, kArchivedPre13}, {{13, 0}, kArchived13On},  {{14, 0}, kArchived13On},
        {{15, 0}, kArchived13On},  {{16, 0}, kArchived13On},  {{17, 0}, kArchived13On},
    };
    for (const ConfCase& c : cases) {
        NodeSettingsInput input;
        input.version = c.version;
        input.max_replication_slots = 8;
        input.wal_keep = "500MB";  // 31.25 segments: rounded up to 32
        input.archive_mode = true;
        input.archive_command = "test ! -f /arch/%f && cp %p /arch/%f";
        input.archive_timeout = 120;
        input.extra = {{"shared_buffers", "256MB"},
                       {"Max_WAL_Senders", "20"},
                       {"application_name", "it's \\ odd"}};
        EXPECT_EQ(render_managed_conf(managed_settings(input), ""), c.expected)
            << "version " << c.version.number();
    }
}

TEST(PgSettings, NoDuplicateNamesAndOriginsReported) {
    NodeSettingsInput input;
    input.version = {15, 0};
    input.extra = {{"work_mem", "4MB"}, {"hot_standby", "off"}, {"work_mem", "8MB"}};
    const auto settings = managed_settings(input);
    ASSERT_EQ(settings.size(), 11u);
    EXPECT_EQ(settings[6].name, "hot_standby");
    EXPECT_EQ(settings[6].value, "'off'");
    EXPECT_EQ(settings[6].origin, SettingOrigin::Override);
    EXPECT_EQ(settings[7].name, "wal_log_hints");
    EXPECT_EQ(settings[8].name, "wal_receiver_timeout");
    EXPECT_EQ(settings[10].name, "work_mem");
    EXPECT_EQ(settings[10].value, "'8MB'");
    EXPECT_EQ(settings[10].origin, SettingOrigin::Inventory);
    EXPECT_EQ(settings[0].origin, SettingOrigin::Managed);
}

// max_slot_wal_keep_size caps what a dead replica's slot holds back (13+; nothing before):
// 10GB unless the inventory's postgres.settings says otherwise, in place.
TEST(PgSettings, MaxSlotWalKeepSizeFrom13OverriddenInPlace) {
    NodeSettingsInput input;
    input.version = {15, 0};
    auto settings = managed_settings(input);
    ASSERT_EQ(settings[5].name, "max_slot_wal_keep_size");
    EXPECT_EQ(settings[5].value, "10GB");
    EXPECT_EQ(settings[5].origin, SettingOrigin::Managed);
    input.extra = {{"max_slot_wal_keep_size", "32MB"}};
    settings = managed_settings(input);
    EXPECT_EQ(settings[5].value, "'32MB'");
    EXPECT_EQ(settings[5].origin, SettingOrigin::Override);
    input.version = {12, 0};
    input.extra.clear();
    for (const auto& setting : managed_settings(input))
        EXPECT_NE(setting.name, "max_slot_wal_keep_size");
}

TEST(PgSettings, WalKeepSegmentsRoundUp) {
    NodeSettingsInput input;
    input.version = {12, 0};
    const std::pair<const char*, const char*> cases[] = {
        {"0", "0"},     {"1", "1"},     {"16MB", "1"},    {"17MB", "2"},
        {"1024", "64"}, {"2GB", "128"}, {"1TB", "65536"}, {"16384kB", "1"},
    };
    for (const auto& [keep, segments] : cases) {
        input.wal_keep = keep;
        EXPECT_EQ(managed_settings(input)[4].value, segments) << keep;
        EXPECT_EQ(managed_settings(input)[4].name, "wal_keep_segments");
    }
}

TEST(PgSettings, ParseSizeBytes) {
    EXPECT_EQ(parse_size_bytes("1GB"), 1024ull * 1024 * 1024);
    EXPECT_EQ(parse_size_bytes("64"), 64ull * 1024 * 1024);
    EXPECT_EQ(parse_size_bytes("64", 1), 64ull);
    EXPECT_EQ(parse_size_bytes("8kB"), 8192ull);
    EXPECT_FALSE(parse_size_bytes(""));
    EXPECT_FALSE(parse_size_bytes("GB"));
    EXPECT_FALSE(parse_size_bytes("1gb"));
    EXPECT_FALSE(parse_size_bytes("1 GB"));
    EXPECT_FALSE(parse_size_bytes("-1GB"));
    EXPECT_FALSE(parse_size_bytes("99999999999TB"));
}

TEST(PgSettings, RejectsBugsLoudly) {
    NodeSettingsInput input;
    input.wal_keep = "lots";
    EXPECT_THROW(managed_settings(input), std::invalid_argument);
    input.wal_keep = "1GB";
    input.extra = {{"bad name", "1"}};
    EXPECT_THROW(managed_settings(input), std::invalid_argument);
    input.extra = {{"x", "line\nbreak"}};
    EXPECT_THROW(managed_settings(input), std::invalid_argument);
    input.extra = {};
    input.archive_mode = true;
    EXPECT_THROW(managed_settings(input), std::invalid_argument);
}

TEST(PgSettings, SettingNames) {
    EXPECT_TRUE(is_valid_setting_name("shared_buffers"));
    EXPECT_TRUE(is_valid_setting_name("pg_stat_statements.max"));
    EXPECT_TRUE(is_valid_setting_name("_x1"));
    EXPECT_FALSE(is_valid_setting_name(""));
    EXPECT_FALSE(is_valid_setting_name("1x"));
    EXPECT_FALSE(is_valid_setting_name("a.b.c"));
    EXPECT_FALSE(is_valid_setting_name("a."));
    EXPECT_FALSE(is_valid_setting_name("a=b"));
}

TEST(PgSettings, MultiLineHeader) {
    EXPECT_EQ(render_managed_conf({{"a", "1"}}, "line one\n\nline three\n"),
              "# Managed by pgrepl: edits are overwritten.\n# line one\n#\n# line three\na = 1\n");
}

}  // namespace
}  // namespace pgrepl
