#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pgrepl::test
