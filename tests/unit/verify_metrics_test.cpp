// verify's monitoring formats: the Prometheus text format (checked by the real promtool) and the
// Nagios plugin line with its exit codes (docs/monitoring.md).
#include <gtest/gtest.h>

#include <fstream>

#include "pgrepl/util/atomic_file.hpp"
#include "pgrepl/verify/render.hpp"
#include "support/run_sh.hpp"
#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

using test::healthy_report;

VerifyReport broken_report(const Inventory& inventory) {
    return test::no_receiver_report(inventory);
}

TEST(VerifyPrometheus, HealthyClusterMetrics) {
    const Inventory inventory = test::verify_inventory();
    const std::string text = render_prometheus(healthy_report(inventory), 1700000000.5);
    EXPECT_TRUE(has(text, "# HELP pgrepl_cluster_healthy ")) << text;
    EXPECT_TRUE(has(text, "# TYPE pgrepl_cluster_healthy gauge\n")) << text;
    const std::string cluster = "{cluster=\"" + inventory.cluster + "\"";
    EXPECT_TRUE(has(text, "pgrepl_cluster_healthy" + cluster + "} 1\n")) << text;
    EXPECT_TRUE(has(text, "pgrepl_cluster_primaries" + cluster + "} 1\n")) << text;
    EXPECT_TRUE(has(text, "pgrepl_verify_timestamp_seconds" + cluster + "} 1700000000.5\n"))
        << text;
    EXPECT_TRUE(has(text, "pgrepl_host_up" + cluster + ",host=\"db2\"} 1\n")) << text;
    EXPECT_TRUE(has(text, "pgrepl_host_role" + cluster + ",host=\"db1\",role=\"primary\"} 1\n"))
        << text;
    EXPECT_TRUE(has(text, "pgrepl_host_role" + cluster + ",host=\"db3\",role=\"standby\"} 1\n"))
        << text;
    EXPECT_TRUE(has(text, "pgrepl_standby_lag_bytes" + cluster + ",host=\"db2\"} ")) << text;
    EXPECT_FALSE(has(text, "pgrepl_standby_lag_bytes" + cluster + ",host=\"db1\"")) << text;
    EXPECT_TRUE(has(text, "# TYPE pgrepl_probe_replay_seconds gauge\n")) << text;
}

TEST(VerifyPrometheus, PromtoolAcceptsIt) {
    const Inventory inventory = test::verify_inventory();
    for (const auto& report : {healthy_report(inventory), broken_report(inventory)}) {
        const std::string path = ::testing::TempDir() + "pgrepl-metrics.prom";
        ASSERT_TRUE(write_file_atomically(path, render_prometheus(report, 1700000000), 0644));
        // promtool prints nothing and exits 0 for a clean exposition; lint problems exit 1.
        EXPECT_EQ(run_sh("promtool check metrics < '" + path + "' 2>&1; echo \"exit $?\""),
                  "exit 0\n");
        std::remove(path.c_str());
    }
}

TEST(VerifyPrometheus, LabelValuesAreEscaped) {
    Inventory inventory = test::verify_inventory();
    inventory.cluster = "a\"b\\c\nd";
    const std::string text = render_prometheus(healthy_report(inventory), 0);
    EXPECT_TRUE(has(text, "{cluster=\"a\\\"b\\\\c\\nd\"}")) << text;
}

TEST(VerifyNagios, OkWarningCritical) {
    const Inventory inventory = test::verify_inventory();
    const auto healthy = healthy_report(inventory);
    EXPECT_EQ(nagios_exit_code(healthy), 0);
    const std::string ok = render_nagios(healthy);
    EXPECT_TRUE(ok.starts_with("PGREPL OK - cluster " + inventory.cluster +
                               ": primary db1, 2 standby(s) streaming |"))
        << ok;
    EXPECT_TRUE(has(ok, " 'db2 lag'=")) << ok;
    EXPECT_TRUE(has(ok, "B;;16777216;0")) << ok;
    EXPECT_EQ(std::count(ok.begin(), ok.end(), '\n'), 1) << ok;

    const auto broken = broken_report(inventory);
    EXPECT_EQ(nagios_exit_code(broken), 2);
    const std::string critical = render_nagios(broken);
    EXPECT_TRUE(critical.starts_with("PGREPL CRITICAL - cluster " + inventory.cluster + ": db3: "))
        << critical;

    auto warned = healthy_report(inventory);
    warned.hosts[1].checks.push_back({"slot", CheckStatus::Warning, "slot retains 2 GiB", ""});
    EXPECT_EQ(nagios_exit_code(warned), 1);
    EXPECT_TRUE(render_nagios(warned).starts_with("PGREPL WARNING - cluster " + inventory.cluster +
                                                  ": db2: slot: slot retains"))
        << render_nagios(warned);
}

TEST(AtomicFile, ReplacesTheFileWholeAndReportsAnUnwritableDirectory) {
    const std::string path = ::testing::TempDir() + "pgrepl-atomic.txt";
    ASSERT_TRUE(write_file_atomically(path, "one\n", 0644));
    ASSERT_TRUE(write_file_atomically(path, "two\n", 0600));
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "two");
    EXPECT_EQ(run_sh("stat -c %a '" + path + "'"), "600\n");
    std::remove(path.c_str());
    auto failed = write_file_atomically("/nonexistent-dir/x.prom", "x", 0644);
    ASSERT_FALSE(failed);
    EXPECT_TRUE(has(failed.error().message, "cannot write /nonexistent-dir/x.prom"))
        << failed.error().message;
}

}  // namespace
}  // namespace pgrepl
