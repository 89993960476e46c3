// WAL archiving over SSH in the lab (docs/archiving.md). The archive host is db3, a replica:
// the primary db1 then really archives to another host (over the network, with its own key),
// the archive outlives the primary's host, and after a promotion of db2 the new primary
// archives to the same place while db3 streams from it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>
#include <thread>

#include "pgrepl/exec/quote.hpp"
#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* kArchiveDir = kLabArchiveDir;
constexpr const char* kKey = "/var/lib/postgresql/.ssh/pgrepl-archive-15-main";
constexpr const char* kClient = "/var/lib/postgresql/.pgrepl/wal-ssh";
constexpr std::int64_t kSegmentBytes = 16 * 1024 * 1024;

std::string last_line(const std::string& text) {
    auto end = text.find_last_not_of('\n');
    if (end == std::string::npos) return {};
    auto start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1,
                       end - (start == std::string::npos ? 0 : start + 1) + 1);
}

/// Writes a little on `host` and switches to a new segment; returns the finished segment.
std::string switch_segment(const std::string& host = "db1") {
    auto result = host_sql(host,
                           "CREATE TABLE IF NOT EXISTS e2e_wal(x int); INSERT INTO e2e_wal "
                           "VALUES (1); SELECT pg_walfile_name(pg_switch_wal());");
    EXPECT_TRUE(result.ok) << result.err;
    return last_line(result.out);
}

/// The size of `name` in the archive on db3, -1 when missing.
std::int64_t archived_size(const std::string& name) {
    auto result =
        lab_shell("db3", "stat -c %s " + shell_quote(std::string(kArchiveDir) + "/" + name) +
                             " 2>/dev/null || echo -1");
    return std::stoll(result.out.empty() ? "-1" : result.out);
}

/// Waits until `name` is in the archive with a full segment's size; returns the last size.
std::int64_t wait_archived(const std::string& name, int seconds = 30) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::int64_t size = -1;
    while (std::chrono::steady_clock::now() < deadline) {
        size = archived_size(name);
        if (size == kSegmentBytes) return size;
        std::this_thread::sleep_for(200ms);
    }
    return size;
}

std::string sha256_on(const std::string& host, const std::string& path) {
    return lab_shell(host, "sha256sum " + shell_quote(path) + " | cut -d' ' -f1").out;
}

/// Runs the archive client as postgres on `host`.
ProcessResult client(const std::string& host, const std::string& args) {
    return lab_shell(host,
                     std::string("cd /tmp && runuser -u postgres -- ") + kClient + " " + args);
}

std::string client_target() {
    return std::string("10.231.0.13 22 ") + kKey;
}

TEST(ArchiveSetup, ArchivesAndASecondRunChangesNothing) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_archive_inventory(dir);
    // --check reads the archive host too, and changes nothing anywhere.
    auto plan = run_pgrepl({"setup", "--check", inventory});
    EXPECT_EQ(plan.exit_code, 0) << plan.describe();
    EXPECT_NE(plan.out.find("authorize db1's new key on db3"), std::string::npos) << plan.out;
    for (const char* host : {"db1", "db2", "db3"}) {
        EXPECT_EQ(lab_shell(host, "ls -A /var/lib/postgresql").out, "") << host;
    }
    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    EXPECT_NE(first.out.find("archive"), std::string::npos) << first.out;

    // A forced switch arrives in the archive.
    const auto segment = switch_segment();
    ASSERT_EQ(segment.size(), 24u) << segment;
    EXPECT_EQ(wait_archived(segment), kSegmentBytes) << segment;
    EXPECT_EQ(host_sql("db1", "SELECT failed_count FROM pg_stat_archiver").out, "0");
    for (const char* host : {"db1", "db2", "db3"}) {
        EXPECT_EQ(host_sql(host, "SHOW archive_mode").out, "on") << host;
    }
    EXPECT_NE(host_sql("db2", "SHOW restore_command").out.find("wal-ssh fetch 10.231.0.13"),
              std::string::npos);

    // A second run changes nothing and restarts nothing.
    std::map<std::string, std::string> started;
    for (const char* host : {"db1", "db2", "db3"})
        started[host] = host_sql(host, "SELECT pg_postmaster_start_time()").out;
    auto again = run_pgrepl({"setup", inventory});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    EXPECT_EQ(recap_changed(again.out).size(), 3u) << again.out;
    for (const auto& [host, changed] : recap_changed(again.out))
        EXPECT_EQ(changed, 0) << host << "\n" << again.out;
    for (const char* host : {"db1", "db2", "db3"})
        EXPECT_EQ(host_sql(host, "SELECT pg_postmaster_start_time()").out, started[host]) << host;

    // verify reads pg_stat_archiver; --archive times a switch into the archive.
    auto verified = run_pgrepl({"verify", "--archive", inventory});
    EXPECT_EQ(verified.exit_code, 0) << verified.describe();
    EXPECT_NE(verified.out.find("reached db3:/var/lib/postgresql/wal-archive in"),
              std::string::npos)
        << verified.out;
    auto json = run_pgrepl({"verify", "--json", inventory});
    EXPECT_EQ(json.exit_code, 0) << json.describe();
    EXPECT_NE(json.out.find("\"archiver\": {"), std::string::npos) << json.out;

    // The key pair (0600, postgres), the pinned host key, nothing but the forced command.
    EXPECT_EQ(lab_shell("db1", std::string("stat -c '%a %U' ") + kKey).out, "600 postgres\n");
    EXPECT_NE(lab_shell("db1", std::string("cat ") + kKey + ".known_hosts")
                  .out.find("\n10.231.0.13 ssh-ed25519 "),
              std::string::npos);
    auto shell = lab_shell("db1", std::string("runuser -u postgres -- ssh -i ") + kKey +
                                      " -o UserKnownHostsFile=" + kKey +
                                      ".known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes "
                                      "postgres@10.231.0.13 id");
    EXPECT_NE(shell.exit_code, 0) << shell.describe();
    EXPECT_EQ(shell.out.find("uid="), std::string::npos) << shell.describe();
    EXPECT_NE(shell.err.find("bad request"), std::string::npos) << shell.describe();

    // Restore: a replica fetches the segment as it is; a missing file is exit status 1.
    auto fetched = client("db2", "fetch " + client_target() + " " + segment + " /tmp/restored");
    EXPECT_EQ(fetched.exit_code, 0) << fetched.describe();
    EXPECT_EQ(sha256_on("db2", "/tmp/restored"),
              sha256_on("db3", std::string(kArchiveDir) + "/" + segment));
    auto missing =
        client("db2", "fetch " + client_target() + " 0000000100000000000000FF /tmp/nothing");
    EXPECT_EQ(missing.exit_code, 1) << missing.describe();

    // An existing segment with other content is never overwritten.
    const auto before = sha256_on("db3", std::string(kArchiveDir) + "/" + segment);
    lab_shell("db2", "head -c 16777216 /dev/zero >/tmp/other && chmod 644 /tmp/other");
    auto clobber = client("db2", "push " + client_target() + " /tmp/other " + segment);
    EXPECT_EQ(clobber.exit_code, 1) << clobber.describe();
    EXPECT_NE(clobber.err.find("already archived with different content: not overwritten"),
              std::string::npos)
        << clobber.describe();
    EXPECT_EQ(sha256_on("db3", std::string(kArchiveDir) + "/" + segment), before);
}

// The archive host's sshd is not the one its files suggest: a second sshd on port 2222 with a
// host key outside /etc/ssh, `PidFile none` (/run/sshd.pid names the port-22 daemon) and its own
// AuthorizedKeysFile (scripts/lab sshd). The nodes pin exactly the key pgrepl's verified session
// was shown, reach the archive on port 2222, and postgres's key goes where that sshd reads it.
TEST(ArchiveOtherSshd, PinsTheKeyOfTheSshdItTalksTo) {
    reset_lab();
    auto started = run_lab({"sshd", "db3", "2222"});
    ASSERT_EQ(started.exit_code, 0) << started.describe();
    const auto served = read_local_file(lab_path("db3/sshd-2222/ssh_host_ed25519_key.pub"));
    ASSERT_FALSE(served.empty());
    const auto served_key = served.substr(0, served.find(' ', served.find(' ') + 1));
    TempDir dir;
    const auto inventory = write_archive_inventory(dir, {}, {}, "db3", 2222);

    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    EXPECT_EQ(lab_shell("db1", std::string("cat ") + kKey + ".known_hosts").out,
              "# Managed by pgrepl: the WAL archive host's key, as pgrepl's verified SSH session "
              "to it was shown.\n[10.231.0.13]:2222 " +
                  served_key + "\n");
    EXPECT_NE(host_sql("db1", "SHOW archive_command").out.find("wal-ssh push 10.231.0.13 2222 "),
              std::string::npos);
    EXPECT_EQ(
        lab_shell("db3", "grep -c pgrepl-archive:db1: /run/pgrepl-lab/sshd-2222/postgres").out,
        "1\n");

    const auto segment = switch_segment();
    ASSERT_EQ(segment.size(), 24u) << segment;
    EXPECT_EQ(wait_archived(segment), kSegmentBytes) << segment;
    EXPECT_EQ(host_sql("db1", "SELECT failed_count FROM pg_stat_archiver").out, "0");

    auto again = run_pgrepl({"setup", inventory});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    EXPECT_EQ(recap_changed(again.out).size(), 3u) << again.out;
    for (const auto& [host, changed] : recap_changed(again.out))
        EXPECT_EQ(changed, 0) << host << "\n" << again.out;
    auto verified = run_pgrepl({"verify", "--archive", inventory});
    EXPECT_EQ(verified.exit_code, 0) << verified.describe();
    EXPECT_NE(verified.out.find("reached db3:/var/lib/postgresql/wal-archive in"),
              std::string::npos)
        << verified.out;
}

TEST(ArchiveCatchUp, AReplicaRestoresWhatThePrimaryRecycled) {
    reset_lab();
    TempDir dir;
    // No slot and no wal_keep_size: nothing keeps WAL on the primary for a stopped replica.
    const auto inventory = write_archive_inventory(
        dir, "  slots: false\n",
        "  settings:\n    wal_keep_size: '0'\n    max_wal_size: 64MB\n    min_wal_size: 32MB\n");
    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    ASSERT_EQ(lab_shell("db2", "pg_ctlcluster 15 main stop").exit_code, 0);

    // What db2 missed: rows, spread over several segments, then checkpoints recycle them.
    const auto missed = switch_segment();
    ASSERT_TRUE(host_sql("db1", "CREATE TABLE catchup(x int)").ok);
    std::string last;
    for (int i = 0; i < 6; ++i) {
        ASSERT_TRUE(host_sql("db1", "INSERT INTO catchup SELECT generate_series(1, 1000)").ok);
        last = switch_segment();
    }
    ASSERT_EQ(wait_archived(last), kSegmentBytes);
    ASSERT_TRUE(host_sql("db1", "CHECKPOINT").ok);
    switch_segment();
    ASSERT_TRUE(host_sql("db1", "CHECKPOINT").ok);
    EXPECT_EQ(lab_shell("db1", "test -e /var/lib/postgresql/15/main/pg_wal/" + missed +
                                   " && echo kept || echo recycled")
                  .out,
              "recycled\n")
        << "the primary still has " << missed << ": the test proves nothing";
    EXPECT_EQ(archived_size(missed), kSegmentBytes);

    ASSERT_EQ(lab_shell("db2", "pg_ctlcluster 15 main start").exit_code, 0);
    EXPECT_EQ(wait_for_sql("db2", "SELECT count(*) FROM catchup", "6000", 60), "6000");
    EXPECT_EQ(wait_for_sql("db2", "SELECT status FROM pg_stat_wal_receiver", "streaming", 30),
              "streaming");
    auto restored = lab_shell("db2",
                              "grep -c 'restored log file' "
                              "/var/log/postgresql/postgresql-15-main.log");
    EXPECT_GT(std::atoi(restored.out.c_str()), 0) << restored.describe();
    auto verified = run_pgrepl({"verify", inventory});
    EXPECT_EQ(verified.exit_code, 0) << verified.describe();
}

TEST(ArchiveBroken, VerifyReportsItAndSetupRepairsIt) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_archive_inventory(dir);
    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();

    ASSERT_EQ(lab_shell("db3", std::string("chmod 0500 ") + kArchiveDir).exit_code, 0);
    const auto failed = switch_segment();
    EXPECT_NE(wait_for_sql("db1", "SELECT failed_count > 0 FROM pg_stat_archiver", "t", 30), "f");
    auto broken = run_pgrepl({"verify", inventory});
    EXPECT_EQ(broken.exit_code, 1) << broken.describe();
    EXPECT_NE(broken.out.find("archiving to db3:/var/lib/postgresql/wal-archive fails"),
              std::string::npos)
        << broken.out;
    EXPECT_EQ(archived_size(failed), -1);

    auto repaired = run_pgrepl({"setup", inventory});
    EXPECT_EQ(repaired.exit_code, 0) << repaired.describe();
    EXPECT_NE(repaired.out.find("fix db3:/var/lib/postgresql/wal-archive (was postgres:postgres "
                                "500)"),
              std::string::npos)
        << repaired.out;
    // A new segment wakes the archiver up; it sends the failed one first.
    const auto next = switch_segment();
    EXPECT_EQ(wait_archived(failed, 60), kSegmentBytes);
    EXPECT_EQ(wait_archived(next, 30), kSegmentBytes);
    auto healthy = run_pgrepl({"verify", inventory});
    EXPECT_EQ(healthy.exit_code, 0) << healthy.describe();
}

TEST(ArchivePromote, TheNewPrimaryArchivesToTheSamePlace) {
    reset_lab();
    TempDir dir;
    // The archive host given by its address, as for a host outside the inventory: pgrepl
    // reaches it with the cluster-wide ssh options.
    const auto inventory = write_archive_inventory(dir, {}, {}, "10.231.0.13");
    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    ASSERT_EQ(wait_archived(switch_segment()), kSegmentBytes);

    ASSERT_EQ(lab_shell("db1", "pg_ctlcluster 15 main stop -m fast").exit_code, 0);
    auto promoted = run_pgrepl({"promote", "db2"});
    ASSERT_EQ(promoted.exit_code, 0) << promoted.describe();
    EXPECT_EQ(wait_for_sql("db2", "SELECT pg_is_in_recovery()", "f", 30), "f");

    const auto segment = switch_segment("db2");
    EXPECT_EQ(segment.substr(0, 8), "00000002") << segment;
    EXPECT_EQ(wait_archived(segment), kSegmentBytes) << segment;
    EXPECT_GT(archived_size("00000002.history"), 0);
    EXPECT_EQ(host_sql("db2", "SELECT failed_count FROM pg_stat_archiver").out, "0");
    // verify --archive runs on the live primary (the inventory still names db1).
    auto verified = run_pgrepl({"verify", "--archive", "--json", inventory});
    const auto json = nlohmann::json::parse(verified.out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << verified.describe();
    ASSERT_TRUE(json.contains("archive_test") && json["archive_test"].is_object()) << verified.out;
    const auto& test = json["archive_test"];
    EXPECT_EQ(test.value("host", nlohmann::json()), "db2") << verified.out;
    EXPECT_EQ(test.value("ok", nlohmann::json()), true) << verified.out;
    const auto archived = test.value("segment", nlohmann::json());
    EXPECT_EQ((archived.is_string() ? archived.get<std::string>() : "").substr(0, 8), "00000002")
        << verified.out;
}

}  // namespace
}  // namespace pgrepl::e2e
