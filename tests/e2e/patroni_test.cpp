// pgrepl handoff patroni on the lab (1 primary + 2 standbys), with Debian's etcd and Patroni:
// the handoff under a write load (no PostgreSQL restarted, every acknowledged id on every
// host, the write-unavailability window printed), a second run and --check that change
// nothing, an etcd member down (the leader stays), the leader's host losing power (Patroni
// promotes a standby within ttl + loop_wait, nothing replicated is lost), and the old leader
// rejoining through a plain re-run of the handoff (Patroni's pg_rewind).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <regex>
#include <thread>

#include "crash_support.hpp"
#include "lab.hpp"
#include "pgrepl/util/json.hpp"
#include "promote_support.hpp"
#include "setup_support.hpp"
#include "writer.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kTtl = 20;
constexpr int kLoopWait = 2;

// Appends the patroni section (short timings, the REST API password in a file) to the
// inventory at `path`.
void add_patroni_section(const TempDir& dir, const std::string& path) {
    const std::string password = dir.file("patroni-password");
    write_local_file(password, "rest-api-pw\n");
    ::chmod(password.c_str(), 0600);
    write_local_file(path, read_local_file(path) + "patroni:\n  ttl: " + std::to_string(kTtl) +
                               "\n  loop_wait: " + std::to_string(kLoopWait) +
                               "\n  retry_timeout: 5\n  password_file: " + password + "\n");
}

// The lab's inventory as the sudo user pgrepl-op (every remote command through sudo -n), with
// the patroni section.
std::string write_patroni_inventory(const TempDir& dir) {
    const std::string path = dir.file("inventory.yaml");
    std::string lab = read_local_file(lab_path("inventory.yaml"));
    const auto user = lab.find("  user: root\n");
    EXPECT_NE(user, std::string::npos) << lab;
    if (user != std::string::npos) lab.replace(user, 13, "  user: pgrepl-op\n");
    write_local_file(path, lab);
    add_patroni_section(dir, path);
    return path;
}

// patronictl list on `host`: member -> role ("" when it does not answer).
std::map<std::string, std::string> patroni_roles(const std::string& host,
                                                 const std::string& instance = "15-main") {
    std::map<std::string, std::string> roles;
    const auto listed =
        lab_shell(host, "patronictl -c /etc/patroni/" + instance + ".yml list -f json 2>/dev/null");
    static const std::regex member(R"re("Member": "(db\d)"[^}]*"Role": "([A-Za-z ]+)")re");
    for (auto it = std::sregex_iterator(listed.out.begin(), listed.out.end(), member);
         it != std::sregex_iterator(); ++it)
        roles[(*it)[1].str()] = (*it)[2].str();
    return roles;
}

std::string leader_of(const std::map<std::string, std::string>& roles) {
    for (const auto& [name, role] : roles) {
        if (role == "Leader") return name;
    }
    return {};
}

// Inserts clock_timestamp() rows on the primary as fast as psql goes, until stopped: the
// longest gap between two rows is how long writes were unavailable.
class Heartbeat {
  public:
    Heartbeat() {
        EXPECT_EQ(psql("db1", "CREATE TABLE pgrepl_e2e_beats(at timestamptz)").exit_code, 0);
        thread_ = std::thread([this] {
            while (!stop_) psql("db1", "INSERT INTO pgrepl_e2e_beats VALUES (clock_timestamp())");
        });
    }
    ~Heartbeat() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    // The longest gap between two beats, in milliseconds.
    std::string longest_gap_ms() {
        stop();
        return query("db1",
                     "SELECT round(extract(epoch FROM max(gap)) * 1000) FROM (SELECT at - lag(at) "
                     "OVER (ORDER BY at) AS gap FROM pgrepl_e2e_beats) g");
    }

  private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

class PatroniHandoff : public ::testing::Test {
  protected:
    // Patroni and etcd must not outlive the test: the next suite starts from a bare lab.
    void TearDown() override { reset_lab(); }
};

TEST_F(PatroniHandoff, TakesOverUnderWritesThenFailsOverAndRejoins) {
    wipe_lab();
    fresh_cluster();
    TempDir dir;
    const std::string inventory = write_patroni_inventory(dir);

    // --check changes nothing.
    const std::string before = cluster_fingerprint();
    const ProcessResult check = run_pgrepl({"handoff", "patroni", inventory, "--check"});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_TRUE(contains(check.out,
                         "db1   patroni        would change start Patroni: it takes "
                         "over the running primary"))
        << check.out;
    EXPECT_EQ(cluster_fingerprint(), before);
    EXPECT_NE(lab_shell("db1", "test -e /etc/patroni/15-main.yml").exit_code, 0);

    // The handoff under writes.
    std::map<std::string, std::string> started;
    for (const auto& host : kHosts)
        started[host] = query(host, "SELECT pg_postmaster_start_time()");
    Writer writer("db1", WriterTable::Create, 1, "0", "patroni-acked-ids");
    Heartbeat beats;
    std::this_thread::sleep_for(500ms);
    const ProcessResult handoff = run_pgrepl({"handoff", "patroni", inventory});
    std::this_thread::sleep_for(500ms);
    const std::string gap = beats.longest_gap_ms();
    writer.stop();
    ASSERT_EQ(handoff.exit_code, 0) << handoff.describe();
    EXPECT_TRUE(contains(handoff.out, "3 of 3 members healthy, a write read back")) << handoff.out;
    EXPECT_TRUE(contains(handoff.out, "Patroni took over 3 running server(s)")) << handoff.out;
    std::cout << "handoff: " << handoff.duration.count() << " ms; longest gap between two writes "
              << "on db1 during it: " << gap << " ms\n";
    EXPECT_LT(std::stod(gap.empty() ? "99999" : gap), 5000.0);
    const auto roles = patroni_roles("db1");
    EXPECT_EQ(roles, (std::map<std::string, std::string>{
                         {"db1", "Leader"}, {"db2", "Replica"}, {"db3", "Replica"}}));
    for (const auto& host : kHosts) {
        EXPECT_EQ(query(host, "SELECT pg_postmaster_start_time()"), started[host])
            << host << " was restarted";
    }
    const auto acknowledged = writer.acknowledged();
    EXPECT_GT(acknowledged.size(), 0u);
    for (const auto& host : {"db2", "db3"}) {
        ASSERT_EQ(wait_for_sql(host,
                               "SELECT count(*) >= " + std::to_string(acknowledged.size()) +
                                   " FROM pgrepl_e2e_writes",
                               "t"),
                  "t")
            << host;
        wait_replayed(host);
        EXPECT_EQ(lost_on(acknowledged, host), 0u) << host;
    }

    // Again, and --check: nothing changes.
    const ProcessResult again = run_pgrepl({"handoff", "patroni", inventory});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    for (const auto& [host, changed] : recap_changed(again.out)) EXPECT_EQ(changed, 0) << host;
    const std::string settled = cluster_fingerprint();
    const ProcessResult recheck = run_pgrepl({"handoff", "patroni", inventory, "--check"});
    EXPECT_EQ(recheck.exit_code, 0) << recheck.describe();
    for (const auto& [host, changed] : recap_changed(recheck.out)) EXPECT_EQ(changed, 0) << host;
    EXPECT_EQ(cluster_fingerprint(), settled);

    // verify reads Patroni's view beside PostgreSQL's: healthy, and no complaint about the
    // settings Patroni's postgresql.conf now sets.
    const ProcessResult verified = run_pgrepl({"verify", inventory, "-v"});
    EXPECT_EQ(verified.exit_code, 0) << verified.describe();
    EXPECT_FALSE(contains(verified.out + verified.err, "managed settings not in effect"))
        << verified.out;
    EXPECT_FALSE(contains(verified.out + verified.err, "Patroni does not answer")) << verified.out;
    EXPECT_TRUE(contains(verified.out, "patroni: db1 primary running TL 1, db2 replica running"))
        << verified.out;

    // A switchover goes through Patroni's REST API; a second one to the same host does nothing.
    const ProcessResult to_db2 = run_pgrepl({"switchover", "db2", "-i", inventory});
    EXPECT_EQ(to_db2.exit_code, 0) << to_db2.describe();
    EXPECT_TRUE(contains(to_db2.out, "the switchover goes through its REST API")) << to_db2.out;
    EXPECT_TRUE(contains(to_db2.out, "done: db2 leads")) << to_db2.out;
    EXPECT_EQ(leader_of(patroni_roles("db2")), "db2");
    const ProcessResult still_db2 = run_pgrepl({"switchover", "db2", "-i", inventory});
    EXPECT_EQ(still_db2.exit_code, 0) << still_db2.describe();
    EXPECT_TRUE(contains(still_db2.out, "db2 is already the leader")) << still_db2.out;
    // promote asks Patroni for a failover to the host.
    const ProcessResult to_db3 = run_pgrepl({"promote", "db3", "-i", inventory});
    EXPECT_EQ(to_db3.exit_code, 0) << to_db3.describe();
    EXPECT_TRUE(contains(to_db3.out, "the failover goes through its REST API")) << to_db3.out;
    EXPECT_TRUE(contains(to_db3.out, "done: db3 leads")) << to_db3.out;
    EXPECT_EQ(leader_of(patroni_roles("db3")), "db3");
    const ProcessResult to_db1 = run_pgrepl({"switchover", "db1", "-i", inventory});
    ASSERT_EQ(to_db1.exit_code, 0) << to_db1.describe();
    EXPECT_EQ(leader_of(patroni_roles("db1")), "db1");
    ASSERT_EQ(wait_for_sql("db1", "SELECT NOT pg_is_in_recovery()", "t"), "t");
    std::cout << "through Patroni: switchover db1 -> db2 " << to_db2.duration.count()
              << " ms (with its verify), promote db3 " << to_db3.duration.count()
              << " ms, switchover db3 -> db1 " << to_db1.duration.count() << " ms\n";

    // One etcd member down: quorum 2 of 3, the leader stays and takes writes; verify says so.
    ASSERT_EQ(lab_shell("db3", "pkill -x etcd").exit_code, 0);
    std::this_thread::sleep_for(std::chrono::seconds(3 * kLoopWait + 2));
    EXPECT_EQ(leader_of(patroni_roles("db1")), "db1");
    EXPECT_EQ(psql("db1", "INSERT INTO pgrepl_e2e_writes VALUES (90000)").exit_code, 0);
    const ProcessResult member_down = run_pgrepl({"verify", inventory});
    EXPECT_TRUE(contains(member_down.out, "db3: warning: etcd member down")) << member_down.out;
    const ProcessResult restart_etcd = run_pgrepl({"handoff", "patroni", inventory});
    EXPECT_EQ(restart_etcd.exit_code, 0) << restart_etcd.describe();
    EXPECT_TRUE(contains(restart_etcd.out, "db3   etcd           changed  start etcd"))
        << restart_etcd.out;

    // The leader's host loses power: Patroni promotes a standby within ttl + loop_wait.
    Writer load("db1", WriterTable::Keep, 100000, "0", "patroni-failover-acked-ids");
    std::this_thread::sleep_for(1s);
    std::set<int> replicated = ids_on("db2");
    for (int id : ids_on("db3")) replicated.insert(id);
    const auto lost_power = std::chrono::steady_clock::now();
    ASSERT_EQ(run_lab({"power-off", "db1"}).exit_code, 0);
    // Patroni's REST API on db2, polled every 0.1 s: /primary answers 200 on the new leader.
    const auto polled = lab_shell(
        "db2",
        "python3 -c 'import time, urllib.request\n"
        "end = time.time() + 90\n"
        "while time.time() < end:\n"
        "    for host, address in ((\"db2\", \"10.231.0.12\"), (\"db3\", \"10.231.0.13\")):\n"
        "        try:\n"
        "            urllib.request.urlopen(\"http://%s:8008/primary\" % address, timeout=1)\n"
        "            print(host); raise SystemExit(0)\n"
        "        except OSError:\n"
        "            pass\n"
        "    time.sleep(0.1)\n'");
    const std::string leader = polled.out.substr(0, polled.out.find('\n'));
    const auto failover_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - lost_power).count();
    ASSERT_FALSE(leader.empty()) << "no new leader";
    std::cout << "failover: " << leader << " leads " << failover_s
              << " s after db1 lost power (ttl " << kTtl << ", loop_wait " << kLoopWait << ")\n";
    // ttl + loop_wait until a standby may take the leader key, then the 2 s Patroni waits for
    // the dead leader's REST API (fetch_node_status, timeout=2) before it promotes, and the
    // promotion itself.
    EXPECT_LE(failover_s, kTtl + kLoopWait + 2.0 + 3.0);
    ASSERT_EQ(wait_for_sql(leader, "SELECT NOT pg_is_in_recovery()", "t"), "t");
    const auto acknowledged_before_failure = load.acknowledged();
    std::size_t lost = 0;
    for (int id : replicated) lost += ids_on(leader).count(id) == 0 ? 1 : 0;
    EXPECT_EQ(lost, 0u) << "ids replicated before the power loss missing on " << leader;
    std::cout << "failover: " << replicated.size() << " replicated ids, 0 lost; "
              << lost_on(acknowledged_before_failure, leader)
              << " acknowledged only by db1 (asynchronous replication)\n";

    // The old leader comes back; a plain re-run of the handoff starts its Patroni, which
    // rewinds it and follows the new leader.
    ASSERT_EQ(run_lab({"start-host", "db1"}).exit_code, 0);
    const ProcessResult rejoin = run_pgrepl({"handoff", "patroni", inventory});
    EXPECT_EQ(rejoin.exit_code, 0) << rejoin.describe();
    EXPECT_TRUE(contains(rejoin.out,
                         "db1   patroni        changed  start Patroni: it starts "
                         "15/main as a standby of its leader"))
        << rejoin.out;
    EXPECT_EQ(patroni_roles(leader)["db1"], "Replica");
    EXPECT_TRUE(wait_healthy(60s)) << run_pgrepl({"verify"}).describe();
    for (const auto& host : kHosts) {
        wait_replayed(host);
        std::size_t missing = 0;
        const auto ids = ids_on(host);
        for (int id : replicated) missing += ids.count(id) == 0 ? 1 : 0;
        EXPECT_EQ(missing, 0u) << host;
    }
}

TEST_F(PatroniHandoff, AHandoffKilledHalfWayIsFinishedByAPlainRerun) {
    // Another port and cluster name, db2 given by host name (etcd listens on what it resolves
    // to there), as the sudo user.
    wipe_lab();
    TempDir dir;
    const std::string inventory = write_inventory(
        dir, "pgrepl-op", "postgres:\n  version: 15\n  port: 5433\n  cluster_name: data\n");
    address_by_name(inventory, {{"db2", "db2.lab"}});
    add_patroni_section(dir, inventory);
    const ProcessResult setup = run_pgrepl({"setup", inventory});
    ASSERT_EQ(setup.exit_code, 0) << setup.describe();
    // Killed right after Patroni took over the primary, before the standbys.
    const HookedRun killed = run_hooked({"handoff", "patroni", inventory}, 20);
    EXPECT_EQ(killed.result.exit_code, 137) << killed.result.describe();
    print_calls("handoff killed after its 20th mutating call", killed);
    // 9 calls make etcd on the three hosts, 1 writes through it, 9 write Patroni's files and
    // start.conf, then the primary's Patroni.
    EXPECT_EQ(killed.call(20), "db1: start Patroni and wait for /primary");
    EXPECT_EQ(killed.calls.size(), 20u);
    const ProcessResult rerun = run_pgrepl({"handoff", "patroni", inventory});
    EXPECT_EQ(rerun.exit_code, 0) << rerun.describe();
    EXPECT_TRUE(contains(rerun.out,
                         "db1   patroni        ok       Patroni runs 15/data as the "
                         "primary"))
        << rerun.out;
    EXPECT_TRUE(contains(rerun.out, "Patroni took over 2 running server(s)")) << rerun.out;
    EXPECT_EQ(patroni_roles("db1", "15-data"),
              (std::map<std::string, std::string>{
                  {"db1", "Leader"}, {"db2", "Replica"}, {"db3", "Replica"}}));
    for (const char* standby : {"db2", "db3"}) {
        EXPECT_EQ(
            wait_for_sql(standby, "SELECT status FROM pg_stat_wal_receiver", "streaming", 15, 5433),
            "streaming")
            << standby;
    }
    // Again, as the JSON run document: nothing changed.
    const ProcessResult again = run_pgrepl({"handoff", "patroni", inventory, "--json"});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    const Json document = Json::parse(again.out, nullptr, false);
    ASSERT_TRUE(document.is_object()) << again.out;
    EXPECT_EQ(document["command"], "handoff");
    EXPECT_EQ(document["totals"]["changed"], 0) << again.out;
    EXPECT_EQ(document["totals"]["failed"], 0) << again.out;
}

}  // namespace
}  // namespace pgrepl::e2e
