// verify's monitoring formats against a real cluster, read by their real consumers: the
// Prometheus textfile (promtool check metrics) and the Nagios plugin line and exit codes
// (docs/monitoring.md).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "setup_support.hpp"

namespace pgrepl::e2e {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(Monitoring, PrometheusTextfileAndNagiosPlugin) {
    reset_lab();
    TempDir dir;
    const auto inventory = write_inventory(dir);
    const ProcessResult setup = run_pgrepl({"setup", inventory});
    ASSERT_EQ(setup.exit_code, 0) << setup.describe();

    const std::string prom = dir.path() + "/pgrepl.prom";
    ProcessResult verify =
        run_pgrepl({"verify", inventory, "--format", "prometheus", "--output", prom});
    EXPECT_EQ(verify.exit_code, 0) << verify.describe();
    EXPECT_EQ(verify.out, "") << "the report went to the file";
    struct stat info {};
    ASSERT_EQ(::stat(prom.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0644u);
    const std::string metrics = read_local_file(prom);
    EXPECT_TRUE(has(metrics, "pgrepl_cluster_healthy{cluster=\"")) << metrics;
    EXPECT_TRUE(has(metrics, "\"} 1\n")) << metrics;
    EXPECT_TRUE(has(metrics, ",host=\"db2\"} ")) << metrics;
    EXPECT_TRUE(has(metrics, "pgrepl_probe_replay_seconds")) << metrics;
    EXPECT_TRUE(has(metrics, "pgrepl_slot_retained_bytes")) << metrics;
    const ProcessResult promtool = run_local({"promtool", "check", "metrics"}, metrics);
    EXPECT_EQ(promtool.exit_code, 0) << promtool.describe() << metrics;
    EXPECT_EQ(promtool.out + promtool.err, "") << metrics;

    ProcessResult nagios = run_pgrepl({"verify", inventory, "--format", "nagios"});
    EXPECT_EQ(nagios.exit_code, 0) << nagios.describe();
    EXPECT_TRUE(nagios.out.starts_with("PGREPL OK - cluster ")) << nagios.out;
    EXPECT_TRUE(has(nagios.out, "'db3 lag'=")) << nagios.out;

    // A standby down: CRITICAL (2) naming it; the gauges say unhealthy and verify exits 1.
    ASSERT_EQ(lab_shell("db3", "pg_ctlcluster 15 main stop").exit_code, 0);
    nagios = run_pgrepl({"verify", inventory, "--format", "nagios"});
    EXPECT_EQ(nagios.exit_code, 2) << nagios.describe();
    EXPECT_TRUE(nagios.out.starts_with("PGREPL CRITICAL - cluster ")) << nagios.out;
    EXPECT_TRUE(has(nagios.out, "db3")) << nagios.out;
    verify = run_pgrepl({"verify", inventory, "--format", "prometheus", "--output", prom});
    EXPECT_EQ(verify.exit_code, 1) << verify.describe();
    const std::string down = read_local_file(prom);
    EXPECT_TRUE(has(down, "\"} 0\n")) << down;
    EXPECT_TRUE(has(down, "pgrepl_host_up{cluster=\"")) << down;
    EXPECT_EQ(run_local({"promtool", "check", "metrics"}, down).exit_code, 0) << down;
    ASSERT_EQ(lab_shell("db3", "pg_ctlcluster 15 main start").exit_code, 0);

    // An inventory it cannot read: UNKNOWN (3), as a plugin must.
    write_local_file(dir.path() + "/bad.yaml", "hosts: [\n");
    nagios = run_pgrepl({"verify", dir.path() + "/bad.yaml", "--format", "nagios"});
    EXPECT_EQ(nagios.exit_code, 3) << nagios.describe();
    // An output file that cannot be written: exit 2, nothing half written.
    verify = run_pgrepl(
        {"verify", inventory, "--format", "prometheus", "--output", "/nonexistent/x.prom"});
    EXPECT_EQ(verify.exit_code, 2) << verify.describe();
    EXPECT_TRUE(has(verify.out + verify.err, "cannot write /nonexistent/x.prom"))
        << verify.describe();
}

}  // namespace
}  // namespace pgrepl::e2e
