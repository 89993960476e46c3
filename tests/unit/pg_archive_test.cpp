#include "pgrepl/pg/archive.hpp"

#include <gtest/gtest.h>

#include <string>

#include "pg_test_versions.hpp"
#include "pgrepl/pg/settings.hpp"
#include "pgrepl/pg/standby.hpp"

namespace pgrepl {
namespace {

ArchiveSshTarget lab_target() {
    ArchiveSshTarget target;
    target.address = "10.0.0.13";
    target.port = 22;
    target.key = "/var/lib/postgresql/.ssh/pgrepl-archive-15-main";
    return target;
}

ArchiveOptions options_for(ArchiveMethod method) {
    ArchiveOptions options;
    options.method = method;
    options.host = "db3";
    options.stanza = "main";
    if (method == ArchiveMethod::Command) {
        options.archive_command = "test ! -f /mnt/wal/%f && cp %p /mnt/wal/%f";
        options.restore_command = "cp /mnt/wal/%f \"%p\"";
    }
    return options;
}

TEST(ArchiveCommands, NoneSetsNothing) {
    const auto commands = render_archive_commands(options_for(ArchiveMethod::None), lab_target());
    EXPECT_EQ(commands.archive_command, "");
    EXPECT_EQ(commands.restore_command, "");
    EXPECT_EQ(commands.archive_cleanup_command, "");
}

TEST(ArchiveCommands, Ssh) {
    const auto commands = render_archive_commands(options_for(ArchiveMethod::Ssh), lab_target());
    EXPECT_EQ(commands.archive_command,
              "/var/lib/postgresql/.pgrepl/wal-ssh push 10.0.0.13 22 "
              "/var/lib/postgresql/.ssh/pgrepl-archive-15-main \"%p\" %f");
    EXPECT_EQ(commands.restore_command,
              "/var/lib/postgresql/.pgrepl/wal-ssh fetch 10.0.0.13 22 "
              "/var/lib/postgresql/.ssh/pgrepl-archive-15-main %f \"%p\"");
    EXPECT_EQ(commands.archive_cleanup_command,
              "/var/lib/postgresql/.pgrepl/wal-ssh cleanup 10.0.0.13 22 "
              "/var/lib/postgresql/.ssh/pgrepl-archive-15-main %r");
}

TEST(ArchiveCommands, SshQuotesWordsThatNeedIt) {
    auto target = lab_target();
    target.key = "/var/lib/postgresql/.ssh/it's a key";
    target.client = "/opt/my tools/wal-ssh";
    target.address = "archive.example.com";
    target.port = 2222;
    const auto commands = render_archive_commands(options_for(ArchiveMethod::Ssh), target);
    EXPECT_EQ(commands.archive_command,
              "'/opt/my tools/wal-ssh' push archive.example.com 2222 "
              "'/var/lib/postgresql/.ssh/it'\\''s a key' \"%p\" %f");
}

TEST(ArchiveCommands, WalG) {
    const auto commands = render_archive_commands(options_for(ArchiveMethod::WalG), lab_target());
    EXPECT_EQ(commands.archive_command, "wal-g wal-push %p");
    EXPECT_EQ(commands.restore_command, "wal-g wal-fetch %f %p");
    EXPECT_EQ(commands.archive_cleanup_command, "");
}

TEST(ArchiveCommands, PgBackRest) {
    auto options = options_for(ArchiveMethod::PgBackRest);
    options.stanza = "prod-1";
    const auto commands = render_archive_commands(options, lab_target());
    EXPECT_EQ(commands.archive_command, "pgbackrest --stanza=prod-1 archive-push %p");
    EXPECT_EQ(commands.restore_command, "pgbackrest --stanza=prod-1 archive-get %f \"%p\"");
    EXPECT_EQ(commands.archive_cleanup_command, "");
}

TEST(ArchiveCommands, CommandTemplatesAsGiven) {
    const auto commands =
        render_archive_commands(options_for(ArchiveMethod::Command), lab_target());
    EXPECT_EQ(commands.archive_command, "test ! -f /mnt/wal/%f && cp %p /mnt/wal/%f");
    EXPECT_EQ(commands.restore_command, "cp /mnt/wal/%f \"%p\"");
    EXPECT_EQ(commands.archive_cleanup_command, "");
}

TEST(ShellWord, BareOrQuoted) {
    EXPECT_EQ(shell_word("/var/lib/postgresql/wal-archive"), "/var/lib/postgresql/wal-archive");
    EXPECT_EQ(shell_word("--stanza=main"), "--stanza=main");
    EXPECT_EQ(shell_word("a b"), "'a b'");
    EXPECT_EQ(shell_word("$(reboot)"), "'$(reboot)'");
    EXPECT_EQ(shell_word("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_word(""), "''");
}

// Where the commands go, for every version: the managed settings (archive_command on every
// node), and recovery.conf before 12 or the standby settings from 12 (restore and cleanup).
TEST(ArchiveCommands, PlacedForEveryVersion) {
    const auto commands = render_archive_commands(options_for(ArchiveMethod::Ssh), lab_target());
    for (const auto& version : testing::kAllPgVersions) {
        SCOPED_TRACE(version.to_string());
        NodeSettingsInput node;
        node.version = version;
        node.archive_mode = true;
        node.archive_command = commands.archive_command;
        node.archive_timeout = 60;
        const auto conf = render_managed_conf(managed_settings(node), "test");
        EXPECT_NE(conf.find("archive_mode = on\n"), std::string::npos);
        EXPECT_NE(conf.find("archive_command = '/var/lib/postgresql/.pgrepl/wal-ssh push "
                            "10.0.0.13 22 /var/lib/postgresql/.ssh/pgrepl-archive-15-main "
                            "\"%p\" %f'\n"),
                  std::string::npos);
        EXPECT_NE(conf.find("archive_timeout = 60\n"), std::string::npos);

        StandbyInput standby;
        standby.version = version;
        standby.upstream_host = "10.0.0.11";
        standby.user = "replicator";
        standby.application_name = "db2";
        standby.restore_command = commands.restore_command;
        standby.archive_cleanup_command = commands.archive_cleanup_command;
        const auto files = render_standby(standby);
        const std::string restore =
            "restore_command = '/var/lib/postgresql/.pgrepl/wal-ssh fetch 10.0.0.13 22 "
            "/var/lib/postgresql/.ssh/pgrepl-archive-15-main %f \"%p\"'\n";
        const std::string cleanup =
            "archive_cleanup_command = '/var/lib/postgresql/.pgrepl/wal-ssh cleanup 10.0.0.13 "
            "22 /var/lib/postgresql/.ssh/pgrepl-archive-15-main %r'\n";
        if (version.number() < 1200) {
            ASSERT_TRUE(files.recovery_conf);
            EXPECT_NE(files.recovery_conf->find(restore), std::string::npos);
            EXPECT_NE(files.recovery_conf->find(cleanup), std::string::npos);
            EXPECT_TRUE(files.settings.empty());
        } else {
            EXPECT_FALSE(files.recovery_conf);
            const auto rendered = render_managed_conf(files.settings, "standby");
            EXPECT_NE(rendered.find(restore), std::string::npos);
            EXPECT_NE(rendered.find(cleanup), std::string::npos);
        }
    }
}

TEST(ArchiveCommands, PgBackRestQuotingSurvivesTheConfFile) {
    const auto commands =
        render_archive_commands(options_for(ArchiveMethod::PgBackRest), lab_target());
    for (const auto& version : testing::kAllPgVersions) {
        StandbyInput standby;
        standby.version = version;
        standby.upstream_host = "10.0.0.11";
        standby.user = "replicator";
        standby.application_name = "db2";
        standby.restore_command = commands.restore_command;
        const auto files = render_standby(standby);
        const auto text = files.recovery_conf ? *files.recovery_conf
                                              : render_managed_conf(files.settings, "standby");
        EXPECT_NE(text.find("restore_command = 'pgbackrest --stanza=main archive-get %f \"%p\"'"),
                  std::string::npos)
            << version.to_string();
        EXPECT_EQ(text.find("archive_cleanup_command"), std::string::npos);
    }
}

TEST(ArchiveKeyPath, PerCluster) {
    Host host;
    host.postgres.version = PgVersion{9, 6};
    host.postgres.cluster_name = "reports";
    EXPECT_EQ(archive_key_path(host), "/var/lib/postgresql/.ssh/pgrepl-archive-9.6-reports");
}

TEST(PublicKey, Parses) {
    EXPECT_EQ(parse_public_key("ssh-ed25519 AAAAC3Nza+/= postgres@db2\n"),
              "ssh-ed25519 AAAAC3Nza+/=");
    EXPECT_EQ(parse_public_key("ecdsa-sha2-nistp256 AAAAE2V"), "ecdsa-sha2-nistp256 AAAAE2V");
    EXPECT_FALSE(parse_public_key(""));
    EXPECT_FALSE(parse_public_key("ssh-ed25519"));
    EXPECT_FALSE(parse_public_key("ssh-dss AAAA"));
    EXPECT_FALSE(parse_public_key("ssh-ed25519 AAA;rm"));
}

TEST(KnownHosts, PortInBracketsWhenNot22) {
    EXPECT_EQ(render_archive_known_hosts("10.0.0.13", 22, "ssh-ed25519 AAAA"),
              "# Managed by pgrepl: the WAL archive host's key, as pgrepl's verified SSH session "
              "to it was shown.\n10.0.0.13 ssh-ed25519 AAAA\n");
    const auto other = render_archive_known_hosts("archive.example.com", 2222, "ssh-ed25519 A");
    EXPECT_TRUE(other.ends_with(".\n[archive.example.com]:2222 ssh-ed25519 A\n")) << other;
}

TEST(AuthorizedKeys, RestrictedLine) {
    EXPECT_EQ(
        render_archive_authorized_key("db2", "/var/lib/postgresql/wal-archive", "ssh-ed25519 AAAA"),
        "restrict,command=\"/var/lib/postgresql/.pgrepl/wal-ssh-serve "
        "/var/lib/postgresql/wal-archive db2\" ssh-ed25519 AAAA "
        "pgrepl-archive:db2:/var/lib/postgresql/wal-archive");
}

TEST(AuthorizedKeys, MergeKeepsForeignLinesAndReplacesOurs) {
    const std::string dir = "/srv/wal";
    const auto old_line = render_archive_authorized_key("db2", dir, "ssh-ed25519 OLD");
    const auto new_line = render_archive_authorized_key("db2", dir, "ssh-ed25519 NEW");
    const auto other_dir = render_archive_authorized_key("db2", "/srv/other", "ssh-ed25519 X");
    const auto gone = render_archive_authorized_key("db9", dir, "ssh-ed25519 GONE");
    const auto db3 = render_archive_authorized_key("db3", dir, "ssh-ed25519 DB3");
    const std::string current = "# admin keys\nssh-ed25519 ADMIN alice@laptop\n" + old_line + "\n" +
                                other_dir + "\n" + gone + "\n" + db3;
    const auto merged =
        merge_authorized_keys(current, dir, {{"db2", new_line}}, {"db1", "db2", "db3"});
    EXPECT_EQ(merged, "# admin keys\nssh-ed25519 ADMIN alice@laptop\n" + new_line + "\n" +
                          other_dir + "\n" + db3 + "\n");
    // Idempotent.
    EXPECT_EQ(merge_authorized_keys(merged, dir, {{"db2", new_line}}, {"db1", "db2", "db3"}),
              merged);
    // Into an empty file.
    EXPECT_EQ(merge_authorized_keys("", dir, {{"db2", new_line}}, {"db2"}), new_line + "\n");
}

TEST(AuthorizedKeys, DuplicateLinesOfANodeCollapse) {
    const std::string dir = "/srv/wal";
    const auto line = render_archive_authorized_key("db2", dir, "ssh-ed25519 K");
    EXPECT_EQ(merge_authorized_keys(line + "\n" + line + "\n", dir, {{"db2", line}}, {"db2"}),
              line + "\n");
}

TEST(Scripts, AreShellScriptsThatNeverOverwrite) {
    const auto client = render_wal_ssh_client();
    const auto server = render_wal_ssh_server();
    EXPECT_EQ(client.rfind("#!/bin/sh\n# Managed by pgrepl", 0), 0u);
    EXPECT_EQ(server.rfind("#!/bin/sh\n# Managed by pgrepl", 0), 0u);
    EXPECT_NE(client.find("StrictHostKeyChecking=yes"), std::string::npos);
    EXPECT_EQ(client.find("StrictHostKeyChecking=no"), std::string::npos);
    EXPECT_NE(server.find("ln \"$tmp\" \"$file\""), std::string::npos);
    EXPECT_NE(server.find("not overwritten"), std::string::npos);
}

}  // namespace
}  // namespace pgrepl
