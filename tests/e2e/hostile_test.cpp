// Hostile values in the inventory (issue 13, part 5): quotes, $(), backticks, ';', newlines,
// very long values and bytes that are not UTF-8, in every field that reaches a remote shell or
// SQL. A field with a grammar (names, addresses, users, paths, pg_hba tokens) rejects them
// before any host is touched: exit 2 at the value's FILE:LINE:COL. The free-text ones (setting
// values, archive templates, the replication password) are run for real against the lab: the
// value arrives byte for byte, replication works, and nothing runs that was not meant to (a
// canary file that each payload would create exists on no host).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <string>
#include <vector>

#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

constexpr const char* kCanary = "/tmp/pgrepl-hostile";

// The payloads as YAML double-quoted scalars (so that a newline is one), each of which would
// create a canary file if a shell ran it.
std::vector<std::string> payloads() {
    return {
        R"x("a'b; touch /tmp/pgrepl-hostile-1")x",       R"x("$(touch /tmp/pgrepl-hostile-2)")x",
        R"x("`touch /tmp/pgrepl-hostile-3`")x",          R"x("a\ntouch /tmp/pgrepl-hostile-4")x",
        R"x("a\"b\\c && touch /tmp/pgrepl-hostile-5")x", "\"" + std::string(5000, 'x') + "\"",
    };
}

// One line of the inventory holds FIELD: VALUE; the others are valid.
struct Placement {
    const char* field;   // for messages
    const char* before;  // the YAML before the value (ends with "KEY: ")
    const char* after;   // the rest of the file
};

std::vector<Placement> placements() {
    static const char* const kHostsTail = "\n    address: 10.0.0.12\n    role: replica\n";
    return {
        {"cluster",
         "cluster: ", "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"hosts.name",
         "hosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n  - name: ", kHostsTail},
        {"hosts.address",
         "hosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n  - name: db2\n"
         "    role: replica\n    address: ",
         "\n"},
        {"hosts.upstream",
         "hosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n  - name: db2\n"
         "    role: replica\n    address: 10.0.0.12\n    upstream: ",
         "\n"},
        {"ssh.user",
         "ssh:\n  user: ", "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"postgres.cluster_name", "postgres:\n  cluster_name: ",
         "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"postgres.settings name", "postgres:\n  settings:\n    ",
         ": 'on'\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"replication.user", "replication:\n  user: ",
         "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"replication.rewind_user", "replication:\n  rewind_user: ",
         "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"replication.archive.path",
         "replication:\n  archive:\n    method: ssh\n    host: db1\n    path: ",
         "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"access.database",
         "access:\n  - type: host\n    user: app\n    address: 10.0.0.0/24\n"
         "    method: scram-sha-256\n    database: ",
         "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"access.user",
         "access:\n  - type: host\n    database: app\n    address: 10.0.0.0/24\n"
         "    method: scram-sha-256\n    user: ",
         "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"access.address",
         "access:\n  - type: host\n    database: app\n    user: app\n"
         "    method: scram-sha-256\n    address: ",
         "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
        {"access.method",
         "access:\n  - type: host\n    database: app\n    user: app\n"
         "    address: 10.0.0.0/24\n    method: ",
         "\nhosts:\n  - { name: db1, address: 10.0.0.11, role: primary }\n"},
    };
}

int line_of_end(const std::string& text) {
    int line = 1;
    for (char c : text) line += c == '\n' ? 1 : 0;
    return line;
}

bool canary_anywhere(std::string& where) {
    bool found = false;
    for (const char* host : {"db1", "db2", "db3"}) {
        const auto listed =
            lab_shell(host, std::string("ls -d ") + kCanary + "* 2>/dev/null || true");
        if (!listed.out.empty()) {
            where += std::string(host) + ": " + listed.out;
            found = true;
        }
    }
    struct stat st {};
    for (int i = 1; i <= 9; ++i) {
        const std::string path = std::string(kCanary) + "-" + std::to_string(i);
        if (::stat(path.c_str(), &st) == 0) {
            where += "control node: " + path + "\n";
            found = true;
        }
    }
    return found;
}

// Every grammar field rejects every payload, and a raw byte that is not UTF-8, at its position;
// setup exits 2 before touching a host.
TEST(HostileValues, FieldsWithAGrammarRejectThemAtTheirPosition) {
    TempDir dir;
    const std::string path = dir.file("inventory.yaml");
    int cases = 0;
    auto values = payloads();
    values.push_back("caf\xe9");
    for (const Placement& placement : placements()) {
        for (const std::string& value : values) {
            write_local_file(path, std::string(placement.before) + value + placement.after);
            const std::string at = path + ":" + std::to_string(line_of_end(placement.before)) + ":";
            for (const char* command : {"inventory", "setup"}) {
                const ProcessResult result = command == std::string("inventory")
                                                 ? run_pgrepl({"inventory", "check", path})
                                                 : run_pgrepl({"setup", path});
                EXPECT_EQ(result.exit_code, 2)
                    << placement.field << " = " << value.substr(0, 80) << "\n"
                    << result.describe();
                EXPECT_NE(result.err.find(at), std::string::npos)
                    << placement.field << " = " << value.substr(0, 80) << ": expected " << at
                    << "\n"
                    << result.err;
            }
            ++cases;
        }
    }
    std::string where;
    EXPECT_FALSE(canary_anywhere(where)) << where;
    std::cout << "hostile values: " << cases << " rejected at their position ("
              << placements().size() << " fields x " << values.size() << " values)\n";
}

// The free-text values, for real: a password, setting values and an archive template, each
// holding every payload, arrive byte for byte; replication works with them; nothing ran.
TEST(HostileValues, FreeTextArrivesVerbatimAndRunsNothing) {
    reset_lab();
    TempDir dir;
    // The password: quotes, backslash, ':' (the passfile's separator), $(), backticks, ';'.
    const std::string password =
        "p'a\"s\\s:w$(touch /tmp/pgrepl-hostile-6)`touch /tmp/pgrepl-hostile-7`;x";
    const std::string password_file = dir.file("password");
    write_local_file(password_file, password + "\n");
    ASSERT_EQ(::chmod(password_file.c_str(), 0600), 0);
    const std::string prefix =
        "%m [%p] it's \"q\" \\ $(touch /tmp/pgrepl-hostile-8) `touch "
        "/tmp/pgrepl-hostile-9`; x";
    const std::string long_value = std::string(3000, 'y') + "'z";
    const std::string archive_dir = "/var/lib/postgresql/hostile arch";
    const std::string archive_command = "test ! -f '" + archive_dir + "/%f' && cp %p '" +
                                        archive_dir + "/%f' # it's \"q\" $(touch " + kCanary +
                                        "-1)";
    const std::string restore_command = "cp '" + archive_dir + "/%f' %p";
    // YAML single-quoted scalars: every character as is, '' for a quote.
    const auto yaml_single = [](const std::string& text) {
        std::string out = "'";
        for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
        return out + "'";
    };
    std::string inventory = read_local_file(write_inventory(
        dir, "root",
        "postgres:\n  version: 15\n  settings:\n    log_line_prefix: " + yaml_single(prefix) +
            "\n    pgrepl_hostile.long: " + yaml_single(long_value) + "\n"));
    const std::string env_line = "  password_env: PGREPL_REPLICATION_PASSWORD\n";
    ASSERT_NE(inventory.find(env_line), std::string::npos) << inventory;
    inventory.replace(inventory.find(env_line), env_line.size(),
                      "  password_file: " + password_file +
                          "\n  archive:\n    method: command\n    archive_command: " +
                          yaml_single(archive_command) +
                          "\n    restore_command: " + yaml_single(restore_command) + "\n");
    const std::string path = dir.file("hostile.yaml");
    write_local_file(path, inventory);
    for (const char* host : {"db1", "db2", "db3"}) {
        ASSERT_EQ(lab_shell(host, "mkdir -p '" + archive_dir + "' && chown postgres: '" +
                                      archive_dir + "'")
                      .exit_code,
                  0);
    }

    const ProcessResult setup = run_pgrepl({"setup", path});
    ASSERT_EQ(setup.exit_code, 0) << setup.describe();
    for (const char* host : {"db1", "db2", "db3"}) {
        EXPECT_EQ(host_sql(host, "SHOW log_line_prefix").out, prefix) << host;
        EXPECT_EQ(host_sql(host, "SHOW pgrepl_hostile.long").out, long_value) << host;
        EXPECT_NE(host_sql(host, "SHOW archive_command").out.find(archive_command),
                  std::string::npos)
            << host << ": " << host_sql(host, "SHOW archive_command").out;
    }
    // The password works: both standbys stream with it (the passfile escapes ':' and '\\').
    EXPECT_EQ(wait_for_sql("db1",
                           "SELECT string_agg(application_name || ':' || state, ',' ORDER BY "
                           "application_name) FROM pg_stat_replication",
                           "db2:streaming,db3:streaming", 30),
              "db2:streaming,db3:streaming");
    // The template archives into a directory with a space in its name.
    ASSERT_TRUE(host_sql("db1", "SELECT pg_switch_wal()").ok);
    EXPECT_EQ(
        wait_for_sql("db1", "SELECT archived_count > 0 AND failed_count = 0 FROM pg_stat_archiver",
                     "t", 30),
        "t");
    const ProcessResult again = run_pgrepl({"setup", path});
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    for (const auto& [host, changed] : recap_changed(again.out)) EXPECT_EQ(changed, 0) << host;
    std::string where;
    EXPECT_FALSE(canary_anywhere(where)) << where;
    EXPECT_EQ(setup.out.find(password), std::string::npos) << "the password was printed";
    EXPECT_EQ(setup.err.find(password), std::string::npos) << "the password was logged";
}

}  // namespace
}  // namespace pgrepl::e2e
