// `pgrepl promote` after the primary's host lost power (scripts/lab power-off: its link goes
// down first, so no FIN and no RST reach the standbys, whose WAL receivers go on saying
// `streaming`): with the default options db2 is writable within 15 s of the loss, every row
// that reached db2 is kept, and db3 follows db2. And the safety side: a primary that is cut off
// from the control node only (its standbys still hear from it), or whose PostgreSQL port still
// accepts connections, is refused (exit 3) without --force and nothing changes.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "lab.hpp"
#include "promote_support.hpp"

namespace pgrepl::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// writable_ms of promote's `timings:` line, or -1.
long writable_ms(const std::string& out) {
    const auto at = out.find("timings: writable_ms=");
    if (at == std::string::npos) return -1;
    try {
        return std::stol(out.substr(at + 21));
    } catch (const std::exception&) {
        return -1;
    }
}

/// Waits until `host` has `rows` rows in pgrepl_e2e_power.
bool wait_rows(const std::string& host, const std::string& rows) {
    for (int i = 0; i < 100; ++i) {
        if (query(host, "SELECT count(*) FROM pgrepl_e2e_power") == rows) return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

/// Runs `ip ARGS` in the control namespace (where the tests and pgrepl run).
void ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProcessResult result = run_local(argv);
    ASSERT_EQ(result.exit_code, 0) << result.describe();
}

TEST(PromotePowerLoss, DefaultPromoteIsWritableWithin15sAndLosesNoReplicatedRow) {
    fresh_cluster();
    Restore restore(wipe_lab);
    ASSERT_EQ(psql("db1",
                   "DROP TABLE IF EXISTS pgrepl_e2e_power; "
                   "CREATE TABLE pgrepl_e2e_power AS SELECT generate_series(1, 1000) AS id;")
                  .exit_code,
              0);
    ASSERT_TRUE(wait_rows("db2", "1000"));
    ASSERT_TRUE(wait_rows("db3", "1000"));
    std::this_thread::sleep_for(2s);  // an idle cluster: only keepalives flow

    const auto lost_power = Clock::now();
    const ProcessResult off = run_lab({"power-off", "db1"});
    ASSERT_EQ(off.exit_code, 0) << off.describe();
    // The standbys did not notice: their receivers still stream from db1.
    EXPECT_EQ(query("db2", "SELECT status FROM pg_stat_wal_receiver"), "streaming");

    const auto started = Clock::now();
    const ProcessResult result = run_pgrepl({"promote", "db2"});
    std::cout << result.out;
    ASSERT_EQ(result.exit_code, 0) << result.describe();
    const long writable = writable_ms(result.out);
    ASSERT_GE(writable, 0) << result.out;
    const auto loss_to_writable =
        std::chrono::duration_cast<std::chrono::milliseconds>(started - lost_power).count() +
        writable;
    std::cout << "power loss of db1 -> db2 writable: " << loss_to_writable
              << " ms (target < 15000 ms)\n";
    EXPECT_LT(loss_to_writable, 15000) << result.out;
    EXPECT_TRUE(contains(result.out, "waiting for evidence that db1 is down")) << result.out;

    // db2 is the primary, has every row, and writes; db3 streams from it and gets the write.
    EXPECT_EQ(query("db2", "SELECT pg_is_in_recovery()"), "f");
    EXPECT_EQ(query("db2", "SELECT count(*) FROM pgrepl_e2e_power"), "1000");
    EXPECT_EQ(psql("db2", "INSERT INTO pgrepl_e2e_power VALUES (1001)").exit_code, 0);
    EXPECT_EQ(query("db3", "SELECT sender_host FROM pg_stat_wal_receiver"), "10.231.0.12");
    EXPECT_TRUE(wait_rows("db3", "1001"));
    EXPECT_TRUE(contains(result.out, "db3: streaming from db2 on timeline 2")) << result.out;
}

TEST(PromotePowerLossSafety, PrimaryCutOffFromHereButHeardByItsStandbysIsRefused) {
    fresh_cluster();
    // db1 is alive and streams to db2 and db3, but the control node cannot reach it at all.
    ASSERT_NO_FATAL_FAILURE(ip({"route", "add", "unreachable", "10.231.0.11/32"}));
    Restore restore([] { ip({"route", "del", "unreachable", "10.231.0.11/32"}); });
    const std::string before = cluster_fingerprint();
    const auto started = Clock::now();
    const ProcessResult result = run_pgrepl({"promote", "db2"});
    const auto took = Clock::now() - started;
    std::cout << result.out;
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(contains(result.out, "refused: db1 is unreachable from here but alive"))
        << result.out;
    EXPECT_TRUE(contains(result.out, "heard from it")) << result.out;
    EXPECT_TRUE(contains(result.out, "nothing was changed")) << result.out;
    // Refused as soon as a standby heard from db1 again, not after the whole --wait.
    EXPECT_LT(took, 20s);
    EXPECT_EQ(cluster_fingerprint(), before);
    EXPECT_EQ(query("db1", "SELECT pg_is_in_recovery()"), "f");
}

TEST(PromotePowerLossSafety, PrimaryWhosePostgresPortAnswersIsRefused) {
    fresh_cluster();
    // db1's SSH port is blocked for the control node; its PostgreSQL port is not.
    const std::vector<std::string> rule{"to", "10.231.0.11/32", "ipproto", "tcp", "dport",
                                        "22", "prohibit"};
    std::vector<std::string> add{"rule", "add"};
    add.insert(add.end(), rule.begin(), rule.end());
    ASSERT_NO_FATAL_FAILURE(ip(add));
    Restore restore([rule] {
        std::vector<std::string> del{"rule", "del"};
        del.insert(del.end(), rule.begin(), rule.end());
        ip(del);
    });
    const std::string before = cluster_fingerprint();
    const ProcessResult result = run_pgrepl({"promote", "db2"});
    std::cout << result.out;
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(contains(result.out, "10.231.0.11:5432 accepts connections")) << result.out;
    EXPECT_TRUE(contains(result.out, "nothing was changed")) << result.out;
    EXPECT_EQ(cluster_fingerprint(), before);
}

}  // namespace
}  // namespace pgrepl::e2e
