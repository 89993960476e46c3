// The order of a new primary's first run: the cluster is created stopped, its managed settings
// and pg_hba are written, and it starts once (restart step), with no restart after it.
#include <gtest/gtest.h>

#include <algorithm>

#include "pgrepl/steps/steps.hpp"
#include "support/step_harness.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kHba = "/etc/postgresql/15/main/pg_hba.conf";
constexpr const char* kManaged = "/etc/postgresql/15/main/conf.d/pgrepl.conf";

// The index in `calls` of the first call whose script or written path contains `text`, or -1.
int first_call(const std::vector<FakeExecutor::Call>& calls, const std::string& text) {
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const auto& call = calls[i];
        const std::string& what =
            call.kind == FakeExecutor::Call::Kind::Run ? call.command.script : call.file.path;
        if (call.mutating() && what.find(text) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
}

TEST(FirstStart, ANewPrimaryStartsOnceWithItsSettingsAndPgHbaInPlace) {
    auto inventory = three_host_inventory();
    SimState state;
    state.cluster_exists = false;
    state.running = false;
    SimHost sim("db1", state);
    auto& fake = sim.fake();
    fake.expect_run("pg_createcluster -p 5432 '15' 'main'").does([&](const Command&) {
        sim.state().cluster_exists = true;
        sim.state().never_started = true;
        fake.add_file(kHba, "local all postgres peer\n", 0640, "postgres", "postgres");
        return Result<CommandResult>(command_ok());
    });
    fake.expect_run("install -d").mutation(Mutation::Mutating);
    fake.expect_write(kManaged);
    fake.expect_write(kHba);
    fake.expect_run("pg_ctlcluster '15' 'main' start").does([&](const Command&) {
        sim.state().running = true;
        sim.state().never_started = false;
        return Result<CommandResult>(command_ok());
    });
    std::vector<std::unique_ptr<Step>> steps;
    steps.push_back(make_cluster_step());
    steps.push_back(make_settings_step());
    steps.push_back(make_hba_step());
    steps.push_back(make_restart_step());
    ClusterView view;
    ChainInput input{inventory, inventory.hosts[0], fake,      view,
                     "pw",      RunMode::Apply,     Force::No, std::nullopt};
    auto result = run_chain(steps, input, nullptr);
    ASSERT_FALSE(result.failed);
    for (const auto& report : result.reports)
        EXPECT_EQ(report.status, StepStatus::Changed) << report.step << ": " << report.reason;

    const auto& calls = fake.calls();
    const int created = first_call(calls, "pg_createcluster");
    const int settings = first_call(calls, kManaged);
    const int hba = first_call(calls, kHba);
    const int started = first_call(calls, "pg_ctlcluster '15' 'main' start");
    EXPECT_GE(created, 0);
    EXPECT_LT(created, settings);
    EXPECT_LT(settings, started);
    EXPECT_LT(hba, started);
    EXPECT_EQ(first_call(calls, "--start"), -1) << "pg_createcluster must not start it";
    EXPECT_EQ(first_call(calls, "restart"), -1) << "one start, no restart";
    EXPECT_EQ(first_call(calls, "reload"), -1) << "nothing to reload before the start";
    const auto starts = std::count_if(calls.begin(), calls.end(), [](const auto& call) {
        return call.kind == FakeExecutor::Call::Kind::Run &&
               call.command.script.find("pg_ctlcluster") != std::string::npos;
    });
    EXPECT_EQ(starts, 1);
}

}  // namespace
}  // namespace pgrepl::test
