// The replica guard and the standby settings a running server has loaded: the files on disk
// say the new upstream, but a run killed between writing them and the reload (a switchover
// crashed after its write to a sibling) left the server streaming from (or waiting for) the
// old one. The files match; the live primary_conninfo does not: reconfigure (reload).
#include <gtest/gtest.h>

#include "pgrepl/steps/replica_guard.hpp"

namespace pgrepl::test {
namespace {

ReplicaGuardInput running_standby(const std::string& loaded_host, std::optional<int> loaded_port) {
    ReplicaGuardInput input;
    input.facts.cluster_running = true;
    input.standby_files_match = true;
    input.upstream_name = "db2";
    input.host_name = "db3";
    input.desired_upstream = Endpoint{"10.231.0.12", 5432};
    LiveServer server;
    server.role = LiveRole::Standby;
    server.configured_upstream = Endpoint{loaded_host, loaded_port};
    input.server = server;
    return input;
}

TEST(ReplicaGuardLoaded, FilesMatchButTheServerStillHasTheOldUpstream) {
    const auto decision = decide_replica(running_standby("10.231.0.11", 5432));
    EXPECT_EQ(decision.action, ReplicaAction::Reconfigure) << decision.reason;
    EXPECT_EQ(decision.reason, "point the standby at db2 (its settings on disk are not loaded)");
}

TEST(ReplicaGuardLoaded, AnotherPortIsAnotherUpstream) {
    EXPECT_EQ(decide_replica(running_standby("10.231.0.12", 5433)).action,
              ReplicaAction::Reconfigure);
}

TEST(ReplicaGuardLoaded, LoadedSettingsLeaveItAlone) {
    EXPECT_EQ(decide_replica(running_standby("10.231.0.12", 5432)).action, ReplicaAction::None);
    // No port in primary_conninfo is libpq's default.
    EXPECT_EQ(decide_replica(running_standby("10.231.0.12", std::nullopt)).action,
              ReplicaAction::None);
    // Unknown (the server gave no primary_conninfo): nothing to compare.
    EXPECT_EQ(decide_replica(running_standby("", std::nullopt)).action, ReplicaAction::None);
}

}  // namespace
}  // namespace pgrepl::test
