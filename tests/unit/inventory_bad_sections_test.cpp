// Invalid inventories (ssh, postgres, replication, access): each case lists every expected
// diagnostic (line, column, message).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inventory_test_util.hpp"
#include "pgrepl/inventory/load.hpp"

namespace pgrepl {
namespace {

using inventory_test::all_messages;
using inventory_test::BadCase;
using inventory_test::InventoryBad;
using inventory_test::kHosts;

std::vector<BadCase> section_cases() {
    return {
        // --- ssh
        {"SshUserInvalid",
         "ssh: { user: Admin }\n" + kHosts,
         {{1, 14,
           "ssh.user 'Admin' is not a valid user name (lower-case letters, digits, '_' and '-', "
           "starting with a letter or '_'; at most 32)"}}},
        {"BecomeInvalid",
         "ssh: { become: sometimes }\n" + kHosts,
         {{1, 16, "ssh.become 'sometimes' is not valid (expected auto or never)"}}},
        {"HostKeyCheckingTypo",
         "ssh: { host_key_checking: acept-new }\n" + kHosts,
         {{1, 27, "ssh.host_key_checking 'acept-new' is not valid (did you mean 'accept-new'?)"}}},
        {"IdentityFileOtherUser",
         "ssh: { identity_file: ~bob/key }\n" + kHosts,
         {{1, 23,
           "ssh.identity_file '~bob/key' is not supported: only '~/' is expanded, not "
           "'~user/'"}}},
        // --- postgres
        {"ClusterNameInvalid",
         "postgres: { cluster_name: Main }\n" + kHosts,
         {{1, 27,
           "postgres.cluster_name 'Main' is not a valid cluster name (lower-case letters, "
           "digits, '_' and '-', starting with a letter or digit; at most 63)"}}},
        {"SettingNameInvalid",
         "postgres:\n  settings:\n    Work-Mem: 8MB\n" + kHosts,
         {{3, 5,
           "postgres.settings name 'Work-Mem' is not a valid parameter name (lower-case "
           "letters, digits, '_' and '.', starting with a letter or '_')"}}},
        {"SettingReserved",
         "postgres:\n  settings:\n    port: 5433\n" + kHosts,
         {{3, 5, "postgres.settings.port is managed by pgrepl (use postgres.port)"}}},
        {"SettingArchiveCleanupReserved",
         "postgres:\n  settings:\n    archive_cleanup_command: 'true'\n" + kHosts,
         {{3, 5,
           "postgres.settings.archive_cleanup_command is managed by pgrepl (set with "
           "replication.archive (method ssh))"}}},
        {"SettingTimelineReserved",
         "postgres:\n  settings:\n    recovery_target_timeline: current\n" + kHosts,
         {{3, 5,
           "postgres.settings.recovery_target_timeline is managed by pgrepl (pgrepl sets "
           "'latest' on each replica)"}}},
        {"SocketDirectoriesWithoutTheDefault",
         "postgres:\n  settings:\n    unix_socket_directories: /tmp\n" + kHosts,
         {{3, 30,
           "postgres.settings.unix_socket_directories '/tmp' must list /var/run/postgresql: "
           "pgrepl and postgresql-common connect to the server over that socket (e.g. "
           "'/var/run/postgresql, /tmp')"}}},
        {"SocketDirectoriesEmpty",
         "postgres:\n  settings:\n    unix_socket_directories: ''\n" + kHosts,
         {{3, 30,
           "postgres.settings.unix_socket_directories '' must list /var/run/postgresql: "
           "pgrepl and postgresql-common connect to the server over that socket (e.g. "
           "'/var/run/postgresql, /tmp')"}}},
        {"SettingNewline",
         "postgres:\n  settings:\n    work_mem: \"8MB\\nfsync = off\"\n" + kHosts,
         {{3, 15, "postgres.settings.work_mem contains a line break"}}},
        {"SettingList",
         "postgres:\n  settings:\n    work_mem: [8MB]\n" + kHosts,
         {{3, 15, "postgres.settings.work_mem must be a single value, not a list"}}},
        // --- replication
        {"BothPasswordSources",
         "replication:\n  password_env: PW\n  password_file: /etc/pw\n" + kHosts,
         {{3, 3,
           "replication.password_env and replication.password_file are both set (give exactly "
           "one)"}}},
        {"PasswordEnvInvalid",
         "replication: { password_env: 1PASS }\n" + kHosts,
         {{1, 30,
           "replication.password_env '1PASS' is not a valid environment variable name (letters, "
           "digits and '_', not starting with a digit)"}}},
        {"ReplicationUserInvalid",
         "replication: { user: Repl-User }\n" + kHosts,
         {{1, 22,
           "replication.user 'Repl-User' is not a valid role name (lower-case letters, digits "
           "and '_', starting with a letter or '_'; at most 63)"}}},
        {"ReplicationUserPostgres",
         "replication: { user: postgres }\n" + kHosts,
         {{1, 22,
           "replication.user must not be 'postgres' (pgrepl creates this role and sets its "
           "password)"}}},
        {"RewindUserInvalid",
         "replication: { rewind_user: Rew }\n" + kHosts,
         {{1, 29,
           "replication.rewind_user 'Rew' is not a valid role name (lower-case letters, digits "
           "and '_', starting with a letter or '_'; at most 63)"}}},
        {"RewindUserIsTheReplicationUser",
         "replication: { rewind_user: repl, user: repl }\n" + kHosts,
         {{1, 29,
           "replication.rewind_user 'repl' must differ from replication.user (the rewind role "
           "has no REPLICATION)"}}},
        {"RewindUserIsTheDefaultReplicationUser",
         "replication: { rewind_user: replicator }\n" + kHosts,
         {{1, 29,
           "replication.rewind_user 'replicator' must differ from replication.user (the rewind "
           "role has no REPLICATION)"}}},
        {"RewindUserPostgres",
         "replication: { rewind_user: postgres }\n" + kHosts,
         {{1, 29,
           "replication.rewind_user must not be 'postgres' (pgrepl creates this role and sets "
           "its password)"}}},
        {"ArchiveUnknownMethod",
         "replication:\n  archive:\n    method: s3\n" + kHosts,
         {{3, 13,
           "replication.archive.method 's3' is not valid (expected none, ssh, wal-g, pgbackrest "
           "or command)"}}},
        {"ArchiveSshMissingHostAndPath",
         "replication:\n  archive:\n    method: ssh\n" + kHosts,
         {{2, 3, "missing key 'host' in replication.archive (required by method ssh)"},
          {2, 3, "missing key 'path' in replication.archive (required by method ssh)"}}},
        {"ArchiveCommandMissingRestore",
         "replication:\n  archive:\n    method: command\n    archive_command: cp %p /a/%f\n" +
             kHosts,
         {{2, 3,
           "missing key 'restore_command' in replication.archive (required by method "
           "command)"}}},
        {"ArchiveRestoreWithoutFileName",
         "replication:\n  archive:\n    method: command\n    archive_command: cp %p /a/%f\n"
         "    restore_command: cp /a/x %p\n" +
             kHosts,
         {{5, 22, "replication.archive.restore_command must contain %f (its file name)"}}},
        {"ArchivePathRelative",
         "replication:\n  archive: { method: ssh, host: db1, path: wal }\n" + kHosts,
         {{2, 44, "replication.archive.path 'wal' must be an absolute path"}}},
        {"ArchivePathUnsafe",
         "replication:\n  archive: { method: ssh, host: db1, path: '/srv/wal $(id)' }\n" + kHosts,
         {{2, 44,
           "replication.archive.path '/srv/wal $(id)' contains characters other than letters, "
           "digits, '_', '.', '-' and '/'"}}},
        {"ArchiveHostInvalid",
         "replication:\n  archive: { method: ssh, host: 'b;c', path: /srv/wal }\n" + kHosts,
         {{2, 33,
           "replication.archive.host 'b;c' is not a host of this inventory and is not an IP "
           "address or a host name (RFC 1123: letters, digits, '-' and '.')"}}},
        {"ArchiveKeyOfOtherMethod",
         "replication:\n  archive: { method: wal-g, stanza: main }\n" + kHosts,
         {{2, 29, "replication.archive.stanza is not used with method wal-g"}}},
        // --- access
        {"AccessNotAList",
         "access: { type: host }\n" + kHosts,
         {{1, 9, "access must be a list, not a map"}}},
        {"AccessTypeTypo",
         "access:\n  - { type: hots, address: 10.0.0.0/8 }\n" + kHosts,
         {{2, 13, "access entry 1 type 'hots' is not valid (did you mean 'host'?)"}}},
        {"AccessMethodUnknown",
         "access:\n  - { address: 10.0.0.0/8, method: ident }\n" + kHosts,
         {{2, 36,
           "access entry 1 method 'ident' is not valid (expected scram-sha-256, md5, trust, "
           "reject, peer, cert or password)"}}},
        {"AccessDatabaseUnsafe",
         "access:\n  - { database: 'my db', address: 10.0.0.0/8 }\n" + kHosts,
         {{2, 17,
           "access entry 1 database 'my db' is not valid (letters, digits and _ . , + @ - "
           "only)"}}},
        {"AccessAddressMissing",
         "access:\n  - { database: app }\n" + kHosts,
         {{2, 5, "missing key 'address' in access entry 1 (required by type host)"}}},
        {"AccessAddressWithoutPrefix",
         "access:\n  - { address: 10.0.0.5 }\n" + kHosts,
         {{2, 16,
           "access entry 1 address '10.0.0.5' needs a prefix length (for one address write "
           "'10.0.0.5/32')"}}},
        // --- the hot-standby rule: no standby below its upstream
        {"StandbyBelowItsUpstream",
         "postgres: { settings: { max_connections: 200 } }\n"
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary }\n"
         "  - name: db2\n"
         "    address: 10.0.0.2\n"
         "    role: replica\n"
         "    postgres: { settings: { max_connections: 150 } }\n",
         {{7, 46,
           "host 'db2' would run with max_connections = 150, below the 200 of its upstream "
           "'db1': a hot standby needs at least its upstream's value (its recovery pauses "
           "otherwise)"}}},
        {"UpstreamRaisedAboveItsStandbyDefault",
         "hosts:\n"
         "  - name: db1\n"
         "    address: 10.0.0.1\n"
         "    role: primary\n"
         "    postgres: { settings: { max_worker_processes: 16 } }\n"
         "  - { name: db2, address: 10.0.0.2, role: replica }\n",
         {{5, 51,
           "host 'db2' would run with max_worker_processes = 8, below the 16 of its upstream "
           "'db1': a hot standby needs at least its upstream's value (its recovery pauses "
           "otherwise)"}}},
        {"AccessPeerOverTcp",
         "access:\n  - { address: 10.0.0.0/8, method: peer }\n" + kHosts,
         {{2, 36, "access entry 1 method peer is only valid with type local"}}},
    };
}

INSTANTIATE_TEST_SUITE_P(InventorySections, InventoryBad, ::testing::ValuesIn(section_cases()),
                         inventory_test::bad_case_name);

}  // namespace
}  // namespace pgrepl
