// pgrepl setup against the lab: bare hosts become a primary with streaming hot standbys, and a
// second run changes nothing and restarts nothing.
#include <gtest/gtest.h>

#include "pgrepl/exec/quote.hpp"
#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

std::map<std::string, std::string> start_times(int port = 5432) {
    std::map<std::string, std::string> times;
    for (const char* host : {"db1", "db2", "db3"}) {
        times[host] = host_sql(host, "SELECT pg_postmaster_start_time()", port).out;
    }
    return times;
}

// The checks every successful setup must pass: replicas streaming, data flowing, idempotence.
void expect_replication_works(const std::string& inventory, const std::string& primary_sql_host,
                              int port,
                              const std::map<std::string, std::vector<std::string>>& senders) {
    for (const auto& [sender, replicas] : senders) {
        std::string expected;
        for (const auto& replica : replicas)
            expected += (expected.empty() ? "" : "\n") + replica + "|streaming";
        EXPECT_EQ(wait_for_sql(sender,
                               "SELECT application_name, state FROM pg_stat_replication ORDER BY 1",
                               expected, 15, port),
                  expected)
            << "on " << sender;
    }
    auto made = host_sql(
        primary_sql_host,
        "CREATE TABLE IF NOT EXISTS e2e_probe(x int); INSERT INTO e2e_probe VALUES (42);", port);
    ASSERT_TRUE(made.ok) << made.err;
    for (const char* host : {"db2", "db3"}) {
        EXPECT_EQ(wait_for_sql(host, "SELECT max(x) FROM e2e_probe", "42", 15, port), "42")
            << "on " << host;
    }
    const auto before = start_times(port);
    auto again = run_pgrepl({"setup", inventory});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    for (const auto& [host, changed] : recap_changed(again.out))
        EXPECT_EQ(changed, 0) << host << "\n" << again.out;
    EXPECT_EQ(recap_changed(again.out).size(), 3u) << again.out;
    EXPECT_EQ(start_times(port), before) << "a no-op setup must restart nothing";
}

// pg_rewind's prerequisites are in place: wal_log_hints on every node, a rewind role with LOGIN
// and neither SUPERUSER nor REPLICATION, and the real pg_rewind, run on a cleanly stopped
// standby through its passfile as that role, reads the primary (same timeline: nothing to do).
void expect_rewind_ready() {
    for (const char* host : {"db1", "db2", "db3"})
        EXPECT_EQ(host_sql(host, "SHOW wal_log_hints").out, "on") << host;
    EXPECT_EQ(host_sql("db1",
                       "SELECT rolcanlogin, rolsuper, rolreplication FROM pg_roles WHERE rolname "
                       "= 'pgrepl_rewind'")
                  .out,
              "t|f|f");
    auto rewind = lab_shell(
        "db3",
        "pg_ctlcluster 15 main stop -m fast && runuser -u postgres -- "
        "/usr/lib/postgresql/15/bin/pg_rewind --dry-run -D /var/lib/postgresql/15/main "
        "--source-server='host=10.231.0.11 port=5432 user=pgrepl_rewind dbname=postgres "
        "passfile=/var/lib/postgresql/.pgrepl-15-main.pgpass connect_timeout=5' 2>&1; rc=$?; "
        "pg_ctlcluster 15 main start; exit $rc");
    EXPECT_EQ(rewind.exit_code, 0) << rewind.describe();
    EXPECT_NE(rewind.out.find("no rewind required"), std::string::npos) << rewind.describe();
    EXPECT_EQ(
        wait_for_sql("db1", "SELECT state FROM pg_stat_replication WHERE application_name = 'db3'",
                     "streaming", 15),
        "streaming");
}

// A first setup starts each server once, with its settings, and stops none: no throwaway start
// of a replica's new cluster before its clone, no restart of the new primary.
void expect_each_server_started_once(const std::string& cluster = "main") {
    for (const char* host : {"db1", "db2", "db3"}) {
        auto log = lab_shell(host, "cat /var/log/postgresql/postgresql-15-" + cluster + ".log");
        const auto count = [&](const std::string& text) {
            std::size_t n = 0;
            for (auto at = log.out.find(text); at != std::string::npos;
                 at = log.out.find(text, at + 1))
                ++n;
            return n;
        };
        EXPECT_EQ(count("starting PostgreSQL"), 1u) << host << ":\n" << log.out;
        EXPECT_EQ(count("shutdown request"), 0u) << host << ":\n" << log.out;
    }
}

TEST(Setup, CheckOnBareHostsChangesNothing) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    auto plan = run_pgrepl({"setup", "--check", inventory});
    EXPECT_EQ(plan.exit_code, 0) << plan.describe();
    EXPECT_NE(plan.out.find("would change"), std::string::npos) << plan.out;
    EXPECT_NE(plan.out.find("+wal_level = replica"), std::string::npos) << plan.out;
    for (const char* host : {"db1", "db2", "db3"}) {
        auto listing =
            lab_shell(host, "ls -A /etc/postgresql /var/lib/postgresql; pgrep -c postgres || true");
        EXPECT_EQ(listing.out, "/etc/postgresql:\n\n/var/lib/postgresql:\n0\n")
            << host << ": " << listing.describe();
    }
}

TEST(Setup, PrimaryAndTwoReplicasAsRoot) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    expect_each_server_started_once();
    expect_replication_works(inventory, "db1", 5432, {{"db1", {"db2", "db3"}}});
    // Slots, the role's attributes, and no password in any argv-visible place.
    EXPECT_EQ(host_sql("db1",
                       "SELECT string_agg(slot_name || ':' || active, ',' ORDER BY 1) FROM "
                       "pg_replication_slots")
                  .out,
              "db2:true,db3:true");
    EXPECT_EQ(host_sql("db1",
                       "SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = 'replicator'")
                  .out,
              "t|f");
    const std::string password = std::getenv("PGREPL_REPLICATION_PASSWORD");
    for (const char* host : {"db1", "db2", "db3"}) {
        auto found =
            lab_shell(host, "grep -rlF -- " + shell_quote(password) +
                                " /etc/postgresql /var/log/postgresql 2>/dev/null || true");
        EXPECT_EQ(found.out, "") << host << ": the password is in a config or log file";
        auto mode = lab_shell(host, "stat -c '%a %U' /var/lib/postgresql/.pgrepl-15-main.pgpass");
        EXPECT_EQ(mode.out, "600 postgres\n") << host;
    }
    EXPECT_EQ(first.out.find(password), std::string::npos);
    EXPECT_EQ(first.err.find(password), std::string::npos);
    expect_rewind_ready();
}

TEST(Setup, NonRootSudoUserWithOtherPortAndClusterName) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(
        dir, "pgrepl-op", "postgres:\n  version: 15\n  cluster_name: app\n  port: 5433\n");
    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    auto clusters = lab_shell("db2", "pg_lsclusters -h");
    EXPECT_NE(clusters.out.find("15 app 5433 online,recovery"), std::string::npos)
        << clusters.describe();
    expect_each_server_started_once("app");
    expect_replication_works(inventory, "db1", 5433, {{"db1", {"db2", "db3"}}});
}

TEST(Setup, CascadingReplica) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir, "root", "postgres:\n  version: 15\n",
                                           {{"db3", "    upstream: db2\n"}});
    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    expect_replication_works(inventory, "db1", 5432, {{"db1", {"db2"}}, {"db2", {"db3"}}});
    EXPECT_EQ(host_sql("db2", "SELECT slot_name FROM pg_replication_slots").out, "db3");
}

// The primary by its full name, a replica by its short name (an alias: the lab's reverse lookup
// answers db2.lab, as DNS answers a fully qualified name), the other replica by IP.
TEST(SetupHostNames, PrimaryFullNameReplicaShortName) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    address_by_name(inventory, {{"db1", "db1.lab"}, {"db2", "db2"}});
    auto first = run_pgrepl({"setup", inventory});
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    EXPECT_NE(host_sql("db2", "SHOW primary_conninfo").out.find("host=db1.lab"), std::string::npos);
    auto verify = run_pgrepl({"verify", inventory});
    EXPECT_EQ(verify.exit_code, 0) << verify.describe();
    expect_replication_works(inventory, "db1", 5432, {{"db1", {"db2", "db3"}}});
}

TEST(Setup, UnreachableReplicaDoesNotStopTheOthersAndALaterRunCompletesIt) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    ASSERT_EQ(run_lab({"link", "db3", "down"}).exit_code, 0);
    auto first = run_pgrepl({"setup", inventory});
    EXPECT_EQ(first.exit_code, 1) << first.describe();
    EXPECT_NE(first.err.find("db3"), std::string::npos) << first.describe();
    EXPECT_EQ(wait_for_sql("db1", "SELECT application_name, state FROM pg_stat_replication",
                           "db2|streaming"),
              "db2|streaming");
    ASSERT_EQ(run_lab({"link", "db3", "up"}).exit_code, 0);
    auto second = run_pgrepl({"setup", inventory});
    EXPECT_EQ(second.exit_code, 0) << second.describe();
    EXPECT_EQ(recap_changed(second.out)["db1"], 0) << second.out;
    EXPECT_EQ(
        wait_for_sql("db1", "SELECT application_name, state FROM pg_stat_replication ORDER BY 1",
                     "db2|streaming\ndb3|streaming"),
        "db2|streaming\ndb3|streaming");
}

TEST(Setup, RefusesToReplaceAPrimaryHoldingData) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    // db2 already runs its own database with data.
    auto own = lab_shell("db2",
                         "pg_createcluster --start 15 main >/dev/null && runuser -u postgres -- "
                         "psql -X -q -c 'CREATE DATABASE shop'");
    ASSERT_EQ(own.exit_code, 0) << own.describe();
    auto run = run_pgrepl({"setup", inventory});
    EXPECT_EQ(run.exit_code, 3) << run.describe();
    EXPECT_NE(run.err.find("refusing to replace a running primary holding data"), std::string::npos)
        << run.err;
    EXPECT_EQ(host_sql("db2", "SELECT count(*) FROM pg_database WHERE datname = 'shop'").out, "1");
}

}  // namespace
}  // namespace pgrepl::e2e
