#include "promote_support.hpp"

#include "setup_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace pgrepl::e2e {

using namespace std::chrono_literals;

/// Runs SQL as postgres on a lab host (on stdin); psql -At output.
ProcessResult psql(const std::string& host, const std::string& sql) {
    return lab_shell(
        host, "runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 <<'EOF'\n" + sql + "\nEOF");
}

/// One-value query, trimmed ("" when it failed).
std::string query(const std::string& host, const std::string& sql) {
    auto out = psql(host, sql).out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// Stops every cluster and empties PostgreSQL's directories on every host (as the fixture
/// leaves them), starting hosts that were stopped.
void wipe_lab() {
    for (const auto& host : kHosts) {
        if (lab_shell(host, "true").exit_code != 0) run_lab({"start-host", host});
        // Patroni and etcd first (handoff's tests): Patroni would start what is wiped again.
        const auto wiped =
            lab_shell(host,
                      "pkill -f '^/usr/bin/python3 /usr/bin/patroni '; pkill -x etcd; "
                      "rm -rf /etc/patroni/* /etc/etcd/* /var/lib/etcd/* /run/pgrepl; "
                      "for d in /var/lib/postgresql/*/*/; do [ -f \"$d/postmaster.pid\" ] && "
                      "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D \"$d\" stop -m "
                      "immediate -w >/dev/null 2>&1; done; "
                      "rm -rf /etc/postgresql/* /var/lib/postgresql/* /var/lib/postgresql/.[!.]* "
                      "/var/log/postgresql/*");
        EXPECT_EQ(wiped.exit_code, 0) << host << ": " << wiped.describe();
    }
}

bool wait_healthy(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (run_pgrepl({"verify"}).exit_code == 0) return true;
        std::this_thread::sleep_for(1s);
    }
    return false;
}

/// A healthy 1+2 cluster with db1 as the primary: kept when it is already there, else the lab
/// is wiped and set up from scratch.
// True when a plain setup with the lab inventory would change nothing (a cluster that an
// earlier test left healthy may still carry that test's settings).
bool setup_would_change_nothing() {
    const ProcessResult plan = run_pgrepl({"setup", "--check"});
    if (plan.exit_code != 0) return false;
    const auto changed = recap_changed(plan.out);
    return !changed.empty() && std::all_of(changed.begin(), changed.end(),
                                           [](const auto& host) { return host.second == 0; });
}

void fresh_cluster() {
    if (run_pgrepl({"verify"}).exit_code == 0 &&
        query("db1", "SELECT pg_is_in_recovery()") == "f" && setup_would_change_nothing())
        return;
    wipe_lab();
    const ProcessResult setup = run_pgrepl({"setup"});
    ASSERT_EQ(setup.exit_code, 0) << "pgrepl setup failed: " << setup.describe();
    ASSERT_TRUE(wait_healthy()) << run_pgrepl({"verify"}).describe();
}

void put_db3_ahead_of_db2(const std::string& table) {
    ASSERT_EQ(
        psql("db2", "ALTER SYSTEM SET primary_conninfo = ''; SELECT pg_reload_conf();").exit_code,
        0);
    std::this_thread::sleep_for(1s);
    ASSERT_EQ(
        psql("db1", "CREATE TABLE " + table + " AS SELECT generate_series(1, 5000) i;").exit_code,
        0);
    const std::string count = "SELECT count(*) FROM " + table;
    for (int i = 0; i < 100 && query("db3", count) != "5000"; ++i)
        std::this_thread::sleep_for(100ms);
    ASSERT_EQ(query("db3", count), "5000");
}

/// What a host is, for "nothing changed" comparisons: role, start time, fence files.
std::string host_fingerprint(const std::string& host) {
    return query(host, "SELECT pg_is_in_recovery(), pg_postmaster_start_time()") + " " +
           lab_shell(host,
                     "cat /etc/postgresql/15/main/start.conf | grep -v '^#'; "
                     "ls /etc/postgresql/15/main/pgrepl.fenced 2>&1")
               .out;
}

std::string cluster_fingerprint() {
    std::string all;
    for (const auto& host : kHosts) all += host + ": " + host_fingerprint(host) + "\n";
    return all + read_local_file(lab_path("inventory.yaml"));
}

}  // namespace pgrepl::e2e
