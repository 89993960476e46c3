// Running one step against a SimHost: apply it, re-run it, expect zero changes.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "pgrepl/engine/runner.hpp"
#include "pgrepl/inventory/load.hpp"
#include "sim_host.hpp"

namespace pgrepl::test {

/// The 1 primary + 2 replicas inventory of three_host_inventory() with `extra` (top-level
/// sections, e.g. "patroni: {}\n") added; the test fails when it does not load.
inline Inventory three_host_inventory_with(const std::string& extra) {
    auto loaded = parse_inventory("postgres: { version: 15 }\n" + extra + R"(hosts:
  - { name: db1, address: 10.0.0.11, role: primary }
  - { name: db2, address: 10.0.0.12, role: replica }
  - { name: db3, address: 10.0.0.13, role: replica }
)",
                                  "test.yaml");
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.diagnostics[0].to_string());
    return loaded.inventory;
}

/// A 1 primary + 2 replicas inventory (db1 10.0.0.11, db2 10.0.0.12, db3 10.0.0.13).
inline Inventory three_host_inventory() {
    return three_host_inventory_with("");
}

/// Runs `step` alone on the simulated host and returns its report.
inline StepReport run_one(Step& step, const Inventory& inventory, const Host& host, SimHost& sim,
                          RunMode mode = RunMode::Apply, Force force = Force::No,
                          const std::string& password = "s3cret'pw") {
    std::vector<std::unique_ptr<Step>> steps;
    struct Borrowed : Step {
        explicit Borrowed(Step& inner) : inner_(inner) {}
        std::string_view name() const override { return inner_.name(); }
        void request(const Inventory& i, const Host& h, const ClusterPaths& p,
                     SnapshotRequest& r) const override {
            inner_.request(i, h, p, r);
        }
        Result<Check> check(const StepContext& c) override { return inner_.check(c); }
        Status apply(const StepContext& c, const Check& k) override { return inner_.apply(c, k); }
        Step& inner_;
    };
    steps.push_back(std::make_unique<Borrowed>(step));
    ClusterView view;
    ChainInput input{inventory, host, sim.fake(), view, password, mode, force, std::nullopt};
    auto result = run_chain(steps, input, nullptr);
    EXPECT_EQ(result.reports.size(), 1u);
    return result.reports.empty() ? StepReport{} : result.reports.front();
}

/// Expects a clone's marker (db2's cluster 15/main): written before pg_basebackup (root, 0644,
/// naming `system_identifier`), removed once the standby streams.
inline void expect_clone_marker(FakeExecutor& fake, const std::string& system_identifier) {
    const std::string marker = "/etc/postgresql/15/main/pgrepl.cloning";
    fake.expect_write(marker)
        .mode(0644)
        .owner("root", "root")
        .content(
            TextMatch::regex("system_identifier=" + system_identifier + "\n(.|\n)*started=20"));
    fake.expect_run("rm -f '" + marker + "'")
        .mutation(Mutation::Mutating)
        .does([&fake, marker](const Command&) {
            fake.remove_file(marker);
            return Result<CommandResult>(command_ok());
        });
}

/// Expects the first half of a re-clone of a running standby (cluster 15/main) from the upstream
/// at `upstream_address` through slot `slot`: the clone marker, the stop and wipe (after which
/// the sim is stopped) and pg_basebackup. The caller expects the settings and the start.
inline void expect_wipe_and_basebackup(SimHost& sim, const std::string& system_identifier,
                                       const std::string& upstream_address,
                                       const std::string& slot) {
    auto& fake = sim.fake();
    expect_clone_marker(fake, system_identifier);
    fake.expect_run("find '/var/lib/postgresql/15/main' -mindepth 1 -delete")
        .mutation(Mutation::Mutating)
        .does([&sim](const Command&) {
            sim.state().running = false;
            return Result<CommandResult>(command_ok());
        });
    fake.expect_run("pg_basebackup")
        .as(RunAs::Postgres)
        .does([upstream_address, slot](const Command& c) {
            EXPECT_NE(c.script.find("host=" + upstream_address), std::string::npos) << c.script;
            EXPECT_NE(c.script.find("-S '" + slot + "'"), std::string::npos) << c.script;
            EXPECT_NE(c.script.find("application_name=" + slot), std::string::npos) << c.script;
            return Result<CommandResult>(command_ok());
        });
}

/// Applies the step (expecting `changed`), then re-runs it expecting ok and no mutating call.
inline void expect_converges(Step& step, const Inventory& inventory, const Host& host,
                             SimHost& sim) {
    auto first = run_one(step, inventory, host, sim);
    EXPECT_EQ(first.status, StepStatus::Changed) << first.reason << "\nhint: " << first.hint;
    sim.fake().clear_calls();
    auto second = run_one(step, inventory, host, sim);
    EXPECT_EQ(second.status, StepStatus::Ok) << second.reason << "\nhint: " << second.hint;
    EXPECT_EQ(sim.fake().mutating_calls(), 0);
}

}  // namespace pgrepl::test
