#include <gtest/gtest.h>

#include "pgrepl/inventory/load.hpp"
#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kManaged = "/etc/postgresql/15/main/conf.d/pgrepl.conf";

std::string rows_from(const Inventory& inventory, const Host& host, const std::string& file) {
    std::string out;
    int line = 3;
    for (const auto& setting : desired_settings(inventory, host)) {
        out += setting.name + "|x||sighup|configuration file|" + file + "|" +
               std::to_string(line++) + "|f\n";
    }
    return out;
}

TEST(StepSettings, WritesReloadsAndConverges) {
    auto inventory = three_host_inventory();
    const Host& host = inventory.hosts[0];
    SimHost sim("db1");
    sim.state().queries["settings"] =
        rows_from(inventory, host, "/etc/postgresql/15/main/postgresql.conf");
    sim.fake()
        .expect_run("install -d -o postgres -g postgres -m 0755")
        .mutation(Mutation::Mutating);
    sim.fake()
        .expect_write(kManaged)
        .mode(0644)
        .owner("postgres", "postgres")
        .content("wal_level = replica");
    sim.fake().expect_run("reload").does([&](const Command&) -> Result<CommandResult> {
        sim.state().queries["settings"] = rows_from(inventory, host, kManaged);
        return command_ok();
    });
    auto step = make_settings_step();
    expect_converges(*step, inventory, host, sim);
}

TEST(StepSettings, CheckModeShowsDiffAndChangesNothing) {
    auto inventory = three_host_inventory();
    SimHost sim("db1");
    auto step = make_settings_step();
    auto report = run_one(*step, inventory, inventory.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(report.status, StepStatus::Changed);
    EXPECT_NE(report.reason.find("restart needed for listen_addresses"), std::string::npos)
        << report.reason;
    EXPECT_NE(report.diff.find("+listen_addresses = '*'"), std::string::npos) << report.diff;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

TEST(StepSettings, OverrideInAutoConfIsAConflict) {
    auto inventory = three_host_inventory();
    const Host& host = inventory.hosts[0];
    SimHost sim("db1");
    auto step = make_settings_step();
    // Bring the file in place first.
    sim.fake().expect_run("install -d").mutation(Mutation::Mutating);
    sim.fake().expect_write(kManaged);
    sim.fake().expect_run("reload");
    sim.state().queries["settings"] = rows_from(inventory, host, kManaged);
    auto first = run_one(*step, inventory, host, sim);
    ASSERT_EQ(first.status, StepStatus::Changed) << first.reason;
    // Now ALTER SYSTEM overrides wal_level.
    auto rows = rows_from(inventory, host, kManaged);
    auto pos = rows.find("wal_level|");
    auto end = rows.find('\n', pos);
    rows.replace(pos, end - pos,
                 "wal_level|minimal||postmaster|configuration "
                 "file|/var/lib/postgresql/15/main/postgresql.auto.conf|3|f");
    sim.state().queries["settings"] = rows;
    auto report = run_one(*step, inventory, host, sim);
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_NE(report.reason.find("postgresql.auto.conf"), std::string::npos) << report.reason;
    EXPECT_NE(report.hint.find("ALTER SYSTEM RESET"), std::string::npos) << report.hint;
}

Inventory with_settings(const std::string& settings) {
    auto loaded = parse_inventory("postgres:\n  version: 15\n  settings:\n" + settings + R"(hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
)",
                                  "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

// pg_settings rows of every managed setting from `file`, `name` as a postmaster parameter with
// the running value `value` from `name_file` (pending a restart when asked).
std::string rows_with(const Inventory& inventory, const Host& host, const std::string& file,
                      const std::string& name, const std::string& value, bool pending,
                      const std::string& name_file) {
    std::string rows = rows_from(inventory, host, file);
    const auto pos = rows.find(name + "|");
    rows.replace(pos, rows.find('\n', pos) - pos,
                 name + "|" + value + "||postmaster|configuration file|" + name_file + "|127|" +
                     (pending ? "t" : "f"));
    return rows;
}

// pg_file_settings' entries of every managed setting in the managed file, applied.
std::string file_rows_from(const Inventory& inventory, const Host& host) {
    std::string out;
    int seqno = 10;
    for (const auto& setting : desired_settings(inventory, host)) {
        out += setting.name + "|" + kManaged + "|" + std::to_string(seqno) + "|" +
               std::to_string(seqno) + "|t|\n";
        ++seqno;
    }
    return out;
}

// file_rows_from() with shared_buffers' entry in the managed file "could not be applied".
std::string file_rows_shared_buffers_not_applied(const Inventory& inventory, const Host& host) {
    auto files = file_rows_from(inventory, host);
    const auto at = files.find("shared_buffers|");
    files.replace(
        at, files.find('\n', at) - at,
        "shared_buffers|" + std::string(kManaged) + "|12|20|f|setting could not be applied");
    return files;
}

TEST(StepSettings, ARestartNeedingSettingWaitsForTheRestartStepInsteadOfConflicting) {
    auto inventory = with_settings("    shared_buffers: 64MB\n");
    const Host& host = inventory.hosts[0];
    SimHost sim("db1");
    sim.state().queries["settings"] =
        rows_with(inventory, host, "/etc/postgresql/15/main/postgresql.conf", "shared_buffers",
                  "16384", false, "/etc/postgresql/15/main/postgresql.conf");
    sim.fake().expect_run("install -d").mutation(Mutation::Mutating);
    sim.fake().expect_write(kManaged).content("shared_buffers = '64MB'");
    sim.fake().expect_run("reload").does([&](const Command&) -> Result<CommandResult> {
        // The server keeps its running value (and its source) until a restart; the managed
        // file's entry wins but "could not be applied".
        sim.state().queries["settings"] =
            rows_with(inventory, host, kManaged, "shared_buffers", "16384", true,
                      "/etc/postgresql/15/main/postgresql.conf");
        sim.state().queries["file_settings"] =
            "shared_buffers|/etc/postgresql/15/main/postgresql.conf|127|1|f|\n" +
            file_rows_shared_buffers_not_applied(inventory, host);
        return command_ok();
    });
    auto step = make_settings_step();
    auto first = run_one(*step, inventory, host, sim);
    EXPECT_EQ(first.status, StepStatus::Changed) << first.reason << "\nhint: " << first.hint;
    EXPECT_NE(first.reason.find("restart needed for"), std::string::npos) << first.reason;
    sim.fake().clear_calls();
    auto second = run_one(*step, inventory, host, sim);
    EXPECT_EQ(second.status, StepStatus::Ok) << second.reason << "\nhint: " << second.hint;
    EXPECT_NE(second.reason.find("shared_buffers wait(s) for the restart step"), std::string::npos)
        << second.reason;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);

    // A later file setting the same name stays a conflict naming that file and line.
    sim.state().queries["file_settings"] +=
        "shared_buffers|/var/lib/postgresql/15/main/postgresql.auto.conf|3|30|f|setting could "
        "not be applied\n";
    auto overridden = run_one(*step, inventory, host, sim);
    EXPECT_EQ(overridden.status, StepStatus::Failed);
    EXPECT_NE(overridden.reason.find("shared_buffers is set in "
                                     "/var/lib/postgresql/15/main/postgresql.auto.conf:3"),
              std::string::npos)
        << overridden.reason;
}

// A run killed between writing the managed file and the reload: the file is in place, the
// server still runs the old values, and pg_file_settings (which reads the file) says the
// postmaster setting "could not be applied" with no restart pending (found by the crash-point
// sweep: setup N=9). The re-run reloads, and the setting then waits for the restart step.
TEST(StepSettings, AFileInPlaceButNotLoadedIsReloaded) {
    auto inventory = with_settings("    shared_buffers: 64MB\n");
    const Host& host = inventory.hosts[0];
    SimHost sim("db1");
    sim.fake().add_file(kManaged, render_managed_conf(desired_settings(inventory, host),
                                                      "Replication settings for host db1. Change "
                                                      "them in the inventory and run pgrepl "
                                                      "setup."));
    const std::string conf = "/etc/postgresql/15/main/postgresql.conf";
    sim.state().queries["settings"] =
        rows_with(inventory, host, conf, "shared_buffers", "16384", false, conf);
    sim.state().queries["file_settings"] = file_rows_shared_buffers_not_applied(inventory, host);
    sim.fake().expect_run("reload").does([&](const Command&) -> Result<CommandResult> {
        sim.state().queries["settings"] =
            rows_with(inventory, host, kManaged, "shared_buffers", "16384", true, conf);
        return command_ok();
    });
    auto step = make_settings_step();
    auto first = run_one(*step, inventory, host, sim);
    EXPECT_EQ(first.status, StepStatus::Changed) << first.reason << "\nhint: " << first.hint;
    EXPECT_NE(first.reason.find("reload"), std::string::npos) << first.reason;
    sim.fake().clear_calls();
    auto second = run_one(*step, inventory, host, sim);
    EXPECT_EQ(second.status, StepStatus::Ok) << second.reason << "\nhint: " << second.hint;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);

    // A value the server rejects stays "could not be applied" after the reload: a failure
    // that says so.
    sim.state().queries["settings"] =
        rows_with(inventory, host, conf, "shared_buffers", "16384", false, conf);
    sim.fake().expect_run("reload");
    auto invalid = run_one(*step, inventory, host, sim);
    EXPECT_EQ(invalid.status, StepStatus::Failed);
    EXPECT_NE(invalid.reason.find("is the value valid?"), std::string::npos) << invalid.reason;
}

TEST(StepRestart, CheckModeNamesTheRestartASettingChangeCauses) {
    auto before = with_settings("    max_connections: 100\n");
    auto after = with_settings("    max_connections: 200\n");
    const Host& host = after.hosts[0];
    SimHost sim("db1");
    // The file as the earlier run wrote it, the server running with it.
    sim.fake().expect_run("install -d").mutation(Mutation::Mutating);
    sim.fake().expect_write(kManaged);
    sim.fake().expect_run("reload");
    sim.state().queries["settings"] =
        rows_with(before, host, kManaged, "max_connections", "100", false, kManaged);
    auto settings = make_settings_step();
    ASSERT_EQ(run_one(*settings, before, before.hosts[0], sim).status, StepStatus::Changed);

    auto restart = make_restart_step();
    auto plan = run_one(*restart, after, host, sim, RunMode::Check);
    EXPECT_EQ(plan.status, StepStatus::Changed) << plan.reason;
    EXPECT_EQ(plan.reason,
              "restart PostgreSQL to apply max_connections (once the settings change)");
    auto same = run_one(*restart, before, before.hosts[0], sim, RunMode::Check);
    EXPECT_EQ(same.status, StepStatus::Ok) << same.reason;
    auto settings_plan = run_one(*settings, after, host, sim, RunMode::Check);
    EXPECT_NE(settings_plan.reason.find("restart needed for max_connections"), std::string::npos)
        << settings_plan.reason;
}

}  // namespace
}  // namespace pgrepl::test
