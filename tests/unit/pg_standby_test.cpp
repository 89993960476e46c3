#include "pgrepl/pg/standby.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "pg_test_versions.hpp"

namespace pgrepl {
namespace {

std::string dir_name(PgVersion version) {
    return version.minor ? std::to_string(version.major) + "." + std::to_string(version.minor)
                         : std::to_string(version.major);
}

StandbyInput input_for(PgVersion version) {
    StandbyInput input;
    input.version = version;
    input.upstream_host = "10.0.0.1";
    input.upstream_port = 5432;
    input.user = "replicator";
    input.application_name = "db2";
    input.passfile = "/var/lib/postgresql/.pgpass";
    input.slot_name = "db2";
    input.restore_command = "cp /wal/%f %p";
    input.trigger_file = "/var/lib/postgresql/" + dir_name(version) + "/main.trigger";
    return input;
}

struct StandbyCase {
    PgVersion version;
    const char* recovery_conf;  // nullptr from 12
    const char* settings;       // rendered settings, nullptr before 12
};

constexpr const char* kRecovery96 =
    "# Managed by pgrepl: edits are overwritten.\n"
    "standby_mode = 'on'\n"
    "primary_conninfo = 'host=10.0.0.1 port=5432 user=replicator application_name=db2 "
    "sslmode=prefer'\n"
    "primary_slot_name = 'db2'\n"
    "trigger_file = '/var/lib/postgresql/9.6/main.trigger'\n"
    "restore_command = 'cp /wal/%f %p'\n"
    "recovery_target_timeline = 'latest'\n";

constexpr const char* kRecovery10 =
    "# Managed by pgrepl: edits are overwritten.\n"
    "standby_mode = 'on'\n"
    "primary_conninfo = 'host=10.0.0.1 port=5432 user=replicator application_name=db2 "
    "passfile=/var/lib/postgresql/.pgpass sslmode=prefer'\n"
    "primary_slot_name = 'db2'\n"
    "trigger_file = '/var/lib/postgresql/10/main.trigger'\n"
    "restore_command = 'cp /wal/%f %p'\n"
    "recovery_target_timeline = 'latest'\n";

constexpr const char* kRecovery11 =
    "# Managed by pgrepl: edits are overwritten.\n"
    "standby_mode = 'on'\n"
    "primary_conninfo = 'host=10.0.0.1 port=5432 user=replicator application_name=db2 "
    "passfile=/var/lib/postgresql/.pgpass sslmode=prefer'\n"
    "primary_slot_name = 'db2'\n"
    "trigger_file = '/var/lib/postgresql/11/main.trigger'\n"
    "restore_command = 'cp /wal/%f %p'\n"
    "recovery_target_timeline = 'latest'\n";

constexpr const char* kSettings12On =
    "# Managed by pgrepl: edits are overwritten.\n"
    "primary_conninfo = 'host=10.0.0.1 port=5432 user=replicator application_name=db2 "
    "passfile=/var/lib/postgresql/.pgpass sslmode=prefer'\n"
    "primary_slot_name = 'db2'\n"
    "restore_command = 'cp /wal/%f %p'\n"
    "recovery_target_timeline = 'latest'\n";

TEST(PgStandby, FilesForEveryVersion) {
    const StandbyCase cases[] = {
        {{9, 6}, kRecovery96, nullptr},    {{10, 0}, kRecovery10, nullptr},
        {{11, 0}, kRecovery11, nullptr},   {{12, 0}, nullptr, kSettings12On},
        {{13, 0}, nullptr, kSettings12On}, {{14, 0}, nullptr, kSettings12On},
        {{15, 0}, nullptr, kSettings12On}, {{16, 0}, nullptr, kSettings12On},
        {{17, 0}, nullptr, kSettings12On},
    };
    for (const StandbyCase& c : cases) {
        const StandbyFiles files = render_standby(input_for(c.version));
        if (c.recovery_conf) {
            ASSERT_TRUE(files.recovery_conf) << c.version.number();
            EXPECT_EQ(*files.recovery_conf, c.recovery_conf) << c.version.number();
            EXPECT_TRUE(files.settings.empty());
            EXPECT_FALSE(files.standby_signal);
        } else {
            EXPECT_FALSE(files.recovery_conf) << c.version.number();
            EXPECT_TRUE(files.standby_signal);
            EXPECT_EQ(render_managed_conf(files.settings, ""), c.settings) << c.version.number();
        }
    }
}

TEST(PgStandby, MinimalInputOmitsOptionalLines) {
    for (PgVersion version : testing::kAllPgVersions) {
        StandbyInput input = input_for(version);
        input.slot_name.reset();
        input.restore_command.clear();
        input.trigger_file.clear();
        const StandbyFiles files = render_standby(input);
        const std::string text =
            files.recovery_conf ? *files.recovery_conf : render_managed_conf(files.settings, "");
        EXPECT_EQ(text.find("primary_slot_name"), std::string::npos);
        EXPECT_EQ(text.find("restore_command"), std::string::npos);
        EXPECT_EQ(text.find("trigger_file"), std::string::npos);
        EXPECT_NE(text.find("recovery_target_timeline = 'latest'\n"), std::string::npos);
        EXPECT_EQ(files.recovery_conf.has_value(), version.number() < 1200);
    }
}

TEST(PgStandby, HostileConninfoValues) {
    StandbyInput input = input_for({15, 0});
    input.upstream_host = "fe80::1";
    input.upstream_port = 5433;
    input.user = "rep user's \\ x=y";
    input.application_name = "db 2";
    input.passfile = "/path with space/.pgpass";
    EXPECT_EQ(primary_conninfo(input),
              "host=fe80::1 port=5433 user='rep user\\'s \\\\ x=y' application_name='db 2' "
              "passfile='/path with space/.pgpass' sslmode=prefer");
    const StandbyFiles files = render_standby(input);
    ASSERT_FALSE(files.settings.empty());
    EXPECT_EQ(files.settings[0].name, "primary_conninfo");
    // conf_quote doubles the quotes and the backslashes of the conninfo.
    EXPECT_EQ(files.settings[0].value,
              "'host=fe80::1 port=5433 user=''rep user\\\\''s \\\\\\\\ x=y'' "
              "application_name=''db 2'' passfile=''/path with space/.pgpass'' "
              "sslmode=prefer'");
}

TEST(PgStandby, ConninfoNeverHasPasswordOrPassfileBefore10) {
    for (PgVersion version : testing::kAllPgVersions) {
        const std::string conninfo = primary_conninfo(input_for(version));
        EXPECT_EQ(conninfo.find("password"), std::string::npos);
        EXPECT_EQ(conninfo.find("passfile=") != std::string::npos, version.number() >= 1000);
    }
}

TEST(PgStandby, LineBreakInValueIsABug) {
    StandbyInput input = input_for({15, 0});
    input.restore_command = "cp\nrm";
    EXPECT_THROW(render_standby(input), std::invalid_argument);
}

TEST(PgStandby, Passfile) {
    const std::vector<PassfileEntry> entries = {
        {"10.0.0.1", 5432, "replication", "replicator", "s3cr:t\\pw"},
        {"fe80::1", 5433, "*", "replicator", "p"},
        {"*", 5432, "postgres", "rep:user", "*"},
    };
    EXPECT_EQ(render_passfile(entries),
              "# Managed by pgrepl: edits are overwritten.\n"
              "10.0.0.1:5432:replication:replicator:s3cr\\:t\\\\pw\n"
              "fe80\\:\\:1:5433:*:replicator:p\n"
              "*:5432:postgres:rep\\:user:*\n");
    EXPECT_THROW(render_passfile({{"h", 1, "replication", "u", "pass\nword"}}),
                 std::invalid_argument);
}

}  // namespace
}  // namespace pgrepl
