// `pgrepl verify` against the lab after a real `pgrepl setup`: healthy 1+2, then each fault is
// detected and named, and the lab is restored afterwards. One suite per group of faults, so
// that each ctest test stays within its time limit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "lab.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;

/// The outcome of one `pgrepl verify --json`.
struct Verdict {
    ProcessResult process;
    nlohmann::json json;

    bool healthy() const { return json.value("healthy", false); }
    const nlohmann::json& host(const std::string& name) const {
        static const nlohmann::json none = nlohmann::json::object();
        if (json.contains("hosts")) {
            for (const auto& host : json["hosts"]) {
                if (host.value("name", "") == name) return host;
            }
        }
        return none;
    }
    std::string state(const std::string& name) const { return host(name).value("state", ""); }
    /// The check `check` of host `name`: its status, "" when absent.
    std::string check(const std::string& name, const std::string& check) const {
        if (host(name).contains("checks")) {
            for (const auto& item : host(name)["checks"]) {
                if (item["name"] == check) return item["status"].get<std::string>();
            }
        }
        return "";
    }
    /// The message and hint of a problem of `name` from `check`, "" when there is none.
    std::string problem(const std::string& name, const std::string& check) const {
        if (json.contains("problems")) {
            for (const auto& item : json["problems"]) {
                if (item["host"] == name && item["check"] == check) {
                    const auto& hint = item["hint"];
                    return item["message"].get<std::string>() +
                           " | hint: " + (hint.is_string() ? hint.get<std::string>() : "");
                }
            }
        }
        return "";
    }
};

Verdict verify(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"verify", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    Verdict verdict;
    verdict.process = run_pgrepl(args);
    verdict.json = nlohmann::json::parse(verdict.process.out, nullptr, false);
    if (verdict.json.is_discarded()) {
        verdict.json = nlohmann::json::object();
        ADD_FAILURE() << "verify --json printed no JSON\n" << verdict.process.describe();
    }
    return verdict;
}

/// Runs SQL as postgres on a lab host (on stdin), returning psql -At output.
ProcessResult psql(const std::string& host, const std::string& sql) {
    return lab_shell(
        host, "runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 <<'EOF'\n" + sql + "\nEOF");
}

/// Polls verify until it says healthy (true) or `timeout` passes (false).
bool wait_healthy(std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const ProcessResult result = run_pgrepl({"verify"});
        if (result.exit_code == 0) return true;
        std::this_thread::sleep_for(1s);
    }
    return false;
}

/// Makes the lab a healthy 1+2 cluster: verify, else bare hosts (whatever an earlier suite
/// left behind) and `pgrepl setup`, and wait.
void ensure_healthy() {
    if (run_pgrepl({"verify"}).exit_code == 0) return;
    const ProcessResult reset = run_lab({"reset"});
    ASSERT_EQ(reset.exit_code, 0) << reset.describe();
    const ProcessResult setup = run_pgrepl({"setup"});
    ASSERT_EQ(setup.exit_code, 0) << "pgrepl setup failed: " << setup.describe();
    ASSERT_TRUE(wait_healthy()) << run_pgrepl({"verify"}).describe();
}

/// Re-runs setup (it restores pg_hba, slots...) and waits until verify is healthy again.
void restore_with_setup() {
    const ProcessResult setup = run_pgrepl({"setup"});
    EXPECT_EQ(setup.exit_code, 0) << setup.describe();
    EXPECT_TRUE(wait_healthy()) << run_pgrepl({"verify"}).describe();
}

void start_postgres(const std::string& host) {
    lab_shell(host, "pg_ctlcluster 15 main start");
}

/// Points db3's WAL receiver at `address` (the managed standby settings, then a reload).
ProcessResult point_db3_at(const std::string& address) {
    return lab_shell("db3", "sed -i 's/host=10\\.231\\.0\\.1[0-9] /host=" + address +
                                " /' /etc/postgresql/15/main/conf.d/pgrepl-standby.conf && "
                                "pg_ctlcluster 15 main reload");
}

/// Drops slot `name` on `host`, terminating its walsender first if it is still active.
ProcessResult drop_slot(const std::string& host, const std::string& name) {
    std::string sql =
        "DO $$ BEGIN FOR i IN 1..100 LOOP BEGIN "
        "PERFORM pg_terminate_backend(active_pid) FROM pg_replication_slots "
        "WHERE slot_name = 'SLOT' AND active_pid IS NOT NULL; "
        "IF EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = 'SLOT') "
        "THEN PERFORM pg_drop_replication_slot('SLOT'); END IF; RETURN; "
        "EXCEPTION WHEN object_in_use THEN PERFORM pg_sleep(0.05); END; END LOOP; "
        "RAISE EXCEPTION 'slot stays active'; END $$;";
    for (auto at = sql.find("SLOT"); at != std::string::npos; at = sql.find("SLOT", at)) {
        sql.replace(at, 4, name);
    }
    return psql(host, sql);
}

// ---- healthy ----------------------------------------------------------------------------------

TEST(VerifyHealthy, EveryReplicaStreamsAndTheProbeIsTimed) {
    ensure_healthy();
    const Verdict verdict = verify();
    ASSERT_EQ(verdict.process.exit_code, 0) << verdict.process.describe();
    EXPECT_TRUE(verdict.healthy());
    EXPECT_EQ(verdict.json.at("primary"), "db1");
    EXPECT_EQ(verdict.state("db1"), "primary");
    for (const char* standby : {"db2", "db3"}) {
        EXPECT_EQ(verdict.state(standby), "streaming") << standby;
        const auto& probe = verdict.host(standby).at("probe");
        EXPECT_EQ(probe.at("status"), "replayed") << standby;
        ASSERT_TRUE(probe.at("ms").is_number()) << standby;
        EXPECT_GE(probe.at("ms").get<double>(), 0.0);
        EXPECT_LT(probe.at("ms").get<double>(), 10000.0);
        EXPECT_EQ(verdict.host(standby).at("upstream"), "db1");
        EXPECT_EQ(verdict.host(standby).at("sender").at("state"), "streaming");
        EXPECT_EQ(verdict.host(standby).at("slot").at("active"), true);
        EXPECT_EQ(verdict.check(standby, "wal_receiver_process"), "ok");
        EXPECT_EQ(verdict.check(standby, "walsender_process"), "ok");
    }
    // The human output: a table, then the verdict.
    const ProcessResult text = run_pgrepl({"verify"});
    EXPECT_EQ(text.exit_code, 0) << text.describe();
    EXPECT_NE(text.out.find("HOST  ROLE"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("healthy: primary db1, 2 standby(s) streaming"), std::string::npos)
        << text.out;
    EXPECT_EQ(text.out.find('\033'), std::string::npos) << "no colors when not on a TTY";
}

// ping reads the same server model: the live role of every host, whom each standby streams
// from, one line per host from its report.
TEST(VerifyHealthy, PingNamesEveryHostsRoleAndUpstream) {
    ensure_healthy();
    const ProcessResult ping = run_pgrepl({"ping"});
    EXPECT_EQ(ping.exit_code, 0) << ping.describe();
    EXPECT_NE(ping.out.find("db1  ok  root@10.231.0.11:22  as root"), std::string::npos)
        << ping.out;
    EXPECT_NE(ping.out.find("15/main running on port 5432, primary\n"), std::string::npos)
        << ping.out;
    for (const char* standby : {"db2  ok  root@10.231.0.12:22", "db3  ok  root@10.231.0.13:22"}) {
        const auto at = ping.out.find(standby);
        ASSERT_NE(at, std::string::npos) << ping.out;
        const auto line = ping.out.substr(at, ping.out.find('\n', at) - at);
        EXPECT_NE(line.find("standby of 10.231.0.11 (streaming)"), std::string::npos) << line;
    }
}

TEST(VerifyHealthy, ChangesNoUserDataAndWritesNothingOnAStandby) {
    ensure_healthy();
    ASSERT_EQ(psql("db1",
                   "DROP TABLE IF EXISTS pgrepl_e2e_data;"
                   "CREATE TABLE pgrepl_e2e_data(id int PRIMARY KEY, v text);"
                   "INSERT INTO pgrepl_e2e_data SELECT i, md5(i::text) "
                   "FROM generate_series(1, 1000) i;")
                  .exit_code,
              0);
    Restore drop([] { psql("db1", "DROP TABLE IF EXISTS pgrepl_e2e_data;"); });
    const std::string snapshot_sql =
        "SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM pgrepl_e2e_data t), "
        "(SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_stat_user_tables), "
        "(SELECT count(*) FROM pg_replication_slots);";
    const std::string read_only_errors =
        "grep -c 'read-only transaction' /var/log/postgresql/postgresql-15-main.log || true";
    const ProcessResult before = psql("db1", snapshot_sql);
    ASSERT_EQ(before.exit_code, 0) << before.describe();
    const std::string standby_errors_before =
        lab_shell("db2", read_only_errors).out + lab_shell("db3", read_only_errors).out;

    for (int i = 0; i < 3; ++i) {
        const ProcessResult result = run_pgrepl({"verify"});
        EXPECT_EQ(result.exit_code, 0) << result.describe();
    }

    EXPECT_EQ(psql("db1", snapshot_sql).out, before.out);
    EXPECT_EQ(lab_shell("db2", read_only_errors).out + lab_shell("db3", read_only_errors).out,
              standby_errors_before)
        << "verify tried to write on a standby";
    // The standbys hold exactly the primary's data (slots are not replicated).
    const std::string data_sql =
        "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM pgrepl_e2e_data t;";
    const std::string primary_data = psql("db1", data_sql).out;
    EXPECT_FALSE(primary_data.empty());
    EXPECT_EQ(psql("db2", data_sql).out, primary_data);
    EXPECT_EQ(psql("db3", data_sql).out, primary_data);
}

// A login without root and without sudo (ssh.become: never) cannot look into the 0700 data
// directories. Seen from there, every running server looked stopped and empty: setup --check
// promised to start the primary and clone over both streaming standbys. The lab's users share
// one home directory, as on NFS: setup's lock then held its first host's lock file and found
// the others "held by another pgrepl run". Now setup fails at each host's gather and says why;
// verify says the server refuses that role. Nothing is changed.
TEST(VerifyHealthy, BecomeNeverWithoutRootSaysItCannotSeeAndChangesNothing) {
    ensure_healthy();
    TempDir dir;
    std::string yaml = read_local_file(lab_path("inventory.yaml"));
    const auto user = yaml.find("  user: root\n");
    ASSERT_NE(user, std::string::npos) << yaml;
    yaml.replace(user, 13, "  user: pgrepl-nosudo\n  become: never\n");
    const std::string inventory = dir.file("never.yaml");
    write_local_file(inventory, yaml);
    const auto has_line = [](const std::string& text, const std::string& a, const std::string& b) {
        for (std::size_t at = 0; at < text.size();) {
            const auto end = std::min(text.find('\n', at), text.size());
            const std::string line = text.substr(at, end - at);
            if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
            at = end + 1;
        }
        return false;
    };
    for (const auto& args : {std::vector<std::string>{"setup", "--check", inventory},
                             std::vector<std::string>{"setup", inventory}}) {
        const ProcessResult run = run_pgrepl(args);
        EXPECT_EQ(run.exit_code, 1) << run.describe();
        const std::string all = run.out + run.err;
        for (const char* host : {"db1", "db2", "db3"}) {
            EXPECT_TRUE(has_line(all, std::string(host) + ": ",
                                 "pgrepl-nosudo cannot look into the data directory "
                                 "/var/lib/postgresql/15/main (not root, and ssh.become: never"))
                << host << "\n"
                << run.describe();
        }
        EXPECT_NE(all.find("set ssh.become: auto"), std::string::npos) << run.describe();
        EXPECT_EQ(all.find("would change"), std::string::npos) << run.describe();
        EXPECT_EQ(all.find("changed "), std::string::npos) << run.describe();
        EXPECT_EQ(all.find("another pgrepl run"), std::string::npos) << run.describe();
    }
    const ProcessResult verify_as_it = run_pgrepl({"verify", "-i", inventory});
    EXPECT_EQ(verify_as_it.exit_code, 1) << verify_as_it.describe();
    EXPECT_NE(verify_as_it.out.find("role \"pgrepl-nosudo\" does not exist"), std::string::npos)
        << verify_as_it.describe();
    EXPECT_NE(verify_as_it.out.find("set ssh.become: auto"), std::string::npos)
        << verify_as_it.describe();
    const ProcessResult after = run_pgrepl({"verify"});
    EXPECT_EQ(after.exit_code, 0) << after.describe();
}

// ---- faults of a replica ------------------------------------------------------------------

TEST(VerifyReplicaFaults, PostgresStopped) {
    ensure_healthy();
    Restore restore([] {
        start_postgres("db3");
        EXPECT_TRUE(wait_healthy());
    });
    ASSERT_EQ(lab_shell("db3", "pg_ctlcluster 15 main stop").exit_code, 0);
    const Verdict verdict = verify();
    EXPECT_EQ(verdict.process.exit_code, 1) << verdict.process.describe();
    EXPECT_EQ(verdict.state("db3"), "down");
    EXPECT_NE(verdict.problem("db3", "postgres").find("PostgreSQL is not running"),
              std::string::npos)
        << verdict.process.out;
    EXPECT_EQ(verdict.state("db2"), "streaming");
}

TEST(VerifyReplicaFaults, HostDown) {
    ensure_healthy();
    Restore restore([] {
        run_lab({"start-host", "db3"});
        start_postgres("db3");
        EXPECT_TRUE(wait_healthy());
    });
    ASSERT_EQ(run_lab({"stop-host", "db3"}).exit_code, 0);
    const Verdict verdict = verify();
    EXPECT_EQ(verdict.process.exit_code, 1) << verdict.process.describe();
    EXPECT_EQ(verdict.state("db3"), "unreachable");
    EXPECT_NE(verdict.problem("db3", "ssh").find("unreachable"), std::string::npos)
        << verdict.process.out;
    EXPECT_EQ(verdict.host("db3").at("reachable"), false);
}

TEST(VerifyReplicaFaults, WalReceiverKilledAndRestarting) {
    ensure_healthy();
    // kill -9 of the walreceiver makes the standby's postmaster restart it (crash recovery);
    // keep killing it for a few seconds so that verify surely runs while it is down.
    const ProcessResult killer = lab_shell(
        "db3",
        "(for i in $(seq 40); do pkill -9 -f '^postgres: .*walreceiver'; sleep 0.1; done) "
        "</dev/null >/dev/null 2>&1 &");
    ASSERT_EQ(killer.exit_code, 0) << killer.describe();
    Restore restore([] {
        std::this_thread::sleep_for(5s);
        EXPECT_TRUE(wait_healthy());
    });
    std::this_thread::sleep_for(300ms);
    const Verdict verdict = verify();
    EXPECT_EQ(verdict.process.exit_code, 1) << verdict.process.describe();
    const std::string state = verdict.state("db3");
    EXPECT_NE(state, "streaming") << verdict.process.out;
    EXPECT_EQ(verdict.host("db3").at("healthy"), false) << verdict.process.out;
    std::string named;
    // While the standby restarts, its queries may fail outright (psql exits 2): also a named fault.
    for (const char* check :
         {"connections", "queries", "wal_receiver", "wal_receiver_process", "probe"}) {
        named += verdict.problem("db3", check);
    }
    EXPECT_FALSE(named.empty()) << "db3's problem is not named: " << verdict.process.out;
}

// ---- faults of the primary side ---------------------------------------------------------

TEST(VerifyPrimaryFaults, PgHbaEntryRemoved) {
    ensure_healthy();
    Restore restore(restore_with_setup);
    // The block's columns are aligned (the rewind role is a longer user name): any spaces.
    const std::string entry =
        "^host[[:space:]]+replication[[:space:]]+replicator[[:space:]]+"
        "10\\.231\\.0\\.13/32[[:space:]]";
    ASSERT_EQ(
        lab_shell("db1", "sed -i -E '\\#" + entry +
                             "#d' /etc/postgresql/15/main/pg_hba.conf && ! grep -Eq '" + entry +
                             "' /etc/postgresql/15/main/pg_hba.conf && pg_ctlcluster 15 "
                             "main reload")
            .exit_code,
        0);
    ASSERT_EQ(lab_shell("db3", "pg_ctlcluster 15 main restart").exit_code, 0);
    std::this_thread::sleep_for(1s);
    const Verdict verdict = verify();
    EXPECT_EQ(verdict.process.exit_code, 1) << verdict.process.describe();
    const std::string problem = verdict.problem("db3", "wal_receiver");
    EXPECT_NE(problem.find("wal receiver not running"), std::string::npos) << verdict.process.out;
    EXPECT_NE(problem.find("no pg_hba.conf entry"), std::string::npos) << problem;
    EXPECT_NE(problem.find("hint: check pg_hba on db1 for 10.231.0.13"), std::string::npos)
        << problem;
}

TEST(VerifyPrimaryFaults, SlotDropped) {
    ensure_healthy();
    Restore restore(restore_with_setup);
    const ProcessResult drop =
        psql("db1",
             "DO $$ BEGIN FOR i IN 1..100 LOOP BEGIN "
             "PERFORM pg_terminate_backend(active_pid) FROM pg_replication_slots "
             "WHERE slot_name = 'db3' AND active_pid IS NOT NULL; "
             "PERFORM pg_drop_replication_slot('db3'); RETURN; "
             "EXCEPTION WHEN object_in_use THEN PERFORM pg_sleep(0.05); END; END LOOP; "
             "RAISE EXCEPTION 'slot db3 stays active'; END $$;");
    ASSERT_EQ(drop.exit_code, 0) << drop.describe();
    std::this_thread::sleep_for(500ms);
    const Verdict verdict = verify();
    EXPECT_EQ(verdict.process.exit_code, 1) << verdict.process.describe();
    EXPECT_NE(verdict.problem("db3", "slot").find("slot db3 missing on db1"), std::string::npos)
        << verdict.process.out;
    EXPECT_EQ(verdict.host("db3").at("slot").at("exists"), false);
}

TEST(VerifyPrimaryFaults, PrimaryDown) {
    ensure_healthy();
    Restore restore([] {
        start_postgres("db1");
        EXPECT_TRUE(wait_healthy());
    });
    ASSERT_EQ(lab_shell("db1", "pg_ctlcluster 15 main stop").exit_code, 0);
    const Verdict verdict = verify();
    EXPECT_EQ(verdict.process.exit_code, 1) << verdict.process.describe();
    EXPECT_TRUE(verdict.json.at("primary").is_null());
    EXPECT_EQ(verdict.state("db1"), "down");
    for (const char* standby : {"db2", "db3"}) {
        EXPECT_NE(verdict.problem(standby, "upstream").find("no upstream"), std::string::npos)
            << standby << ": " << verdict.process.out;
    }
}

// ---- cascading replica ------------------------------------------------------------------------

TEST(VerifyCascade, ReplicaOfAReplica) {
    ensure_healthy();
    TempDir dir;
    std::string inventory = read_local_file(lab_path("inventory.yaml"));
    const std::string db3 = "  - name: db3\n";
    const auto at = inventory.find(db3);
    ASSERT_NE(at, std::string::npos) << inventory;
    inventory.insert(at + db3.size(), "    upstream: db2\n");
    const std::string cascade = dir.file("cascade.yaml");
    write_local_file(cascade, inventory);
    const ProcessResult check = run_pgrepl({"inventory", "check", cascade});
    ASSERT_EQ(check.exit_code, 0) << check.describe();
    Restore restore([] {
        point_db3_at("10.231.0.11");
        std::this_thread::sleep_for(1s);
        EXPECT_EQ(drop_slot("db2", "db3").exit_code, 0);
        EXPECT_TRUE(wait_healthy());
    });
    ASSERT_EQ(psql("db2",
                   "SELECT pg_create_physical_replication_slot('db3', true) WHERE NOT "
                   "EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = 'db3');")
                  .exit_code,
              0);
    ASSERT_EQ(point_db3_at("10.231.0.12").exit_code, 0);
    Verdict verdict;
    for (int i = 0; i < 30; ++i) {
        verdict = verify({cascade});
        if (verdict.process.exit_code == 0) break;
        std::this_thread::sleep_for(1s);
    }
    ASSERT_EQ(verdict.process.exit_code, 0) << verdict.process.describe();
    EXPECT_EQ(verdict.json.at("inventory_differs"), false);
    EXPECT_EQ(verdict.host("db3").at("upstream"), "db2");
    EXPECT_EQ(verdict.host("db3").at("upstream_source"), "live");
    EXPECT_EQ(verdict.host("db3").at("probe").at("status"), "replayed");
    EXPECT_EQ(verdict.check("db3", "slot"), "ok");
    // db1 still holds the slot db3 used before: nothing uses it now, and it keeps WAL.
    EXPECT_NE(verdict.problem("db1", "slots").find("db3"), std::string::npos)
        << verdict.process.out;

    // With the original inventory the same live topology is healthy, with a note.
    const Verdict original = verify();
    EXPECT_EQ(original.process.exit_code, 0) << original.process.describe();
    EXPECT_EQ(original.json.at("inventory_differs"), true);
    const auto& notes = original.json.at("notes");
    ASSERT_FALSE(notes.empty());
    EXPECT_EQ(notes.at(0), "db3 streams from db2; the inventory says from db1");
}

// ---- lag ------------------------------------------------------------------------------------

TEST(VerifyLag, ReplayPausedWhileThePrimaryWrites) {
    ensure_healthy();
    Restore restore([] {
        psql("db3", "SELECT pg_wal_replay_resume();");
        psql("db1", "DROP TABLE IF EXISTS pgrepl_e2e_lag;");
        EXPECT_TRUE(wait_healthy());
    });
    ASSERT_EQ(psql("db3", "SELECT pg_wal_replay_pause();").exit_code, 0);
    ASSERT_EQ(psql("db1",
                   "CREATE TABLE pgrepl_e2e_lag AS SELECT i, md5(i::text) AS v "
                   "FROM generate_series(1, 20000) i;")
                  .exit_code,
              0);
    std::this_thread::sleep_for(500ms);
    const Verdict verdict = verify({"--max-lag-bytes", "100000", "--timeout", "2"});
    EXPECT_EQ(verdict.process.exit_code, 1) << verdict.process.describe();
    EXPECT_EQ(verdict.state("db3"), "paused");
    EXPECT_NE(verdict.problem("db3", "replay").find("WAL replay is paused"), std::string::npos)
        << verdict.process.out;
    EXPECT_NE(verdict.problem("db3", "lag").find("over --max-lag-bytes 100000"), std::string::npos)
        << verdict.process.out;
    const auto& bytes = verdict.host("db3").at("lag").at("bytes");
    ASSERT_TRUE(bytes.is_number());
    EXPECT_GT(bytes.get<double>(), 100000.0);
    EXPECT_EQ(verdict.state("db2"), "streaming");
}

}  // namespace
}  // namespace pgrepl::e2e
