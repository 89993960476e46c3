// The replica guard's rewind decisions (pure): what is rewound with pg_rewind, what is refused
// and why, what --force re-clones.
#include <gtest/gtest.h>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/steps/replica_guard.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kSystem = "7111111111111111111";

// The guard's rewind decisions, as a table.
struct RewindCase {
    const char* name;
    bool fenced;
    bool running;
    bool standby_signal;
    const char* position;  // the stopped position on timeline 1
    const char* wal_log_hints;
    const char* checksums;
    bool supported;            // 11+
    const char* upstream_id;   // nullptr: the login failed
    const char* rewind_login;  // pg_rewind's login error ("" : it works)
    Force force;
    ReplicaAction expected;
    const char* hint_part;  // in the hint ("" : not checked)
};

TEST(ReplicaGuardRewind, DecisionTable) {
    using A = ReplicaAction;
    const Force no = Force::No;
    const RewindCase cases[] = {
        {"fenced", true, false, true, "0/5000100", "on", "0", true, kSystem, "", no, A::Rewind, ""},
        {"fenced, at the fork", true, false, true, "0/5000000", "on", "0", true, kSystem, "", no,
         A::Rewind, ""},
        {"fenced, forced", true, false, true, "0/5000100", "on", "0", true, kSystem, "", Force::Yes,
         A::Clone, ""},
        {"fenced, checksums only", true, false, true, "0/5000100", "off", "1", true, kSystem, "",
         no, A::Rewind, ""},
        {"fenced, no hints nor checksums", true, false, true, "0/5000100", "off", "0", true,
         kSystem, "", no, A::Refuse, "wal_log_hints off and no data checksums"},
        {"fenced, pg_controldata unknown", true, false, true, "0/5000100", "", "", true, kSystem,
         "", no, A::Refuse, "wal_log_hints unknown"},
        {"fenced, 10", true, false, true, "0/5000100", "on", "0", false, kSystem, "", no, A::Refuse,
         "before PostgreSQL 11"},
        {"fenced, rewind login fails", true, false, true, "0/5000100", "on", "0", true, kSystem,
         "FATAL:  password authentication failed", no, A::Refuse, "pg_rewind cannot log in to db2"},
        {"fenced, running", true, true, false, "0/5000100", "on", "0", true, kSystem, "", no,
         A::Refuse, "--force"},
        {"fenced, upstream login failed", true, false, true, "0/5000100", "on", "0", true, nullptr,
         "", no, A::Wait, ""},
        {"fenced, another system", true, false, true, "0/5000100", "on", "0", true, "7999", "", no,
         A::Refuse, "--force"},
        {"stopped standby, diverged", false, false, true, "0/5000100", "on", "0", true, kSystem, "",
         no, A::Rewind, ""},
        {"stopped standby, diverged, forced", false, false, true, "0/5000100", "on", "0", true,
         kSystem, "", Force::Yes, A::Clone, ""},
        {"stopped standby, diverged, no hints", false, false, true, "0/5000100", "off", "0", true,
         kSystem, "", no, A::Refuse, "pg_rewind cannot rejoin it"},
        {"stopped standby, before the fork", false, false, true, "0/5000000", "on", "0", true,
         kSystem, "", no, A::Start, ""},
        {"stopped old primary, diverged", false, false, false, "0/5000100", "on", "0", true,
         kSystem, "", no, A::Rewind, ""},
        {"stopped old primary, at the fork", false, false, false, "0/5000000", "on", "0", true,
         kSystem, "", no, A::Refuse, ""},
        {"running diverged primary", false, true, false, "0/5000100", "on", "0", true, kSystem, "",
         no, A::Refuse, ""},
    };
    const UpstreamTimeline tli2{2, {{1, parse_lsn("0/5000000").value_or(0)}}};
    for (const auto& c : cases) {
        ReplicaGuardInput input;
        input.fenced = c.fenced;
        input.facts.cluster_running = c.running;
        input.facts.data_dir_has_pg_version = true;
        input.facts.standby_signal = c.standby_signal;
        input.facts.system_identifier = kSystem;
        input.facts.control_state = "shut down";
        input.facts.control_wal_log_hints = c.wal_log_hints;
        input.facts.control_checksum_version = c.checksums;
        if (c.running) {
            input.server.emplace();
            input.server->role = LiveRole::Primary;
            input.server->system_identifier = kSystem;
        }
        input.rewind_supported = c.supported;
        input.rewind_login_error = c.rewind_login;
        if (c.upstream_id != nullptr) input.upstream_system_identifier = c.upstream_id;
        input.upstream_timeline = tli2;
        input.standby_timeline = StandbyTimeline{1, parse_lsn(c.position).value_or(0)};
        input.upstream_name = "db2";
        input.host_name = "db1";
        input.force = c.force;
        const auto decision = decide_replica(input);
        EXPECT_EQ(static_cast<int>(decision.action), static_cast<int>(c.expected))
            << c.name << ": " << decision.reason << "\nhint: " << decision.hint;
        if (*c.hint_part != '\0') {
            EXPECT_NE(decision.hint.find(c.hint_part), std::string::npos)
                << c.name << ": " << decision.hint;
        }
        if (c.expected == A::Refuse && c.fenced == false &&
            std::string(c.position) == "0/5000100" && c.standby_signal) {
            EXPECT_EQ(decision.reason,
                      "refusing to re-point a standby that diverged from db2's history: it "
                      "replayed up to 0/5000100 on timeline 1, but db2's timeline 2 forked from "
                      "timeline 1 at 0/5000000")
                << c.name;
        }
    }
}

// A running standby that diverged (or a fenced host started by hand) stays refused; the hint
// says that stopping it lets pg_rewind rejoin it, when it could.
TEST(ReplicaGuardRewind, RunningHostsAreToldThatStoppingThemLetsPgRewindRejoinThem) {
    for (const bool fenced : {false, true}) {
        for (const char* hints : {"on", "off"}) {
            ReplicaGuardInput input;
            input.fenced = fenced;
            input.facts.cluster_running = true;
            input.facts.data_dir_has_pg_version = true;
            input.facts.standby_signal = true;
            input.facts.system_identifier = kSystem;
            input.facts.control_wal_log_hints = hints;
            input.facts.control_checksum_version = "0";
            input.server.emplace();
            input.server->role = LiveRole::Standby;
            input.server->system_identifier = kSystem;
            input.rewind_supported = true;
            input.upstream_system_identifier = kSystem;
            input.upstream_timeline =
                UpstreamTimeline{2, {{1, parse_lsn("0/5000000").value_or(0)}}};
            input.standby_timeline = StandbyTimeline{1, parse_lsn("0/5000100").value_or(0)};
            input.upstream_name = "db2";
            input.host_name = "db1";
            const auto decision = decide_replica(input);
            const std::string what = fenced ? "fenced" : "diverged";
            EXPECT_EQ(decision.action, ReplicaAction::Refuse) << what << ": " << decision.reason;
            const bool told =
                decision.hint.find(
                    "stop it and run pgrepl setup again (pg_rewind rejoins it), or ") !=
                std::string::npos;
            EXPECT_EQ(told, std::string(hints) == "on") << what << ": " << decision.hint;
            EXPECT_NE(decision.hint.find("pgrepl setup --force --limit db1"), std::string::npos)
                << what << ": " << decision.hint;
        }
    }
}

}  // namespace
}  // namespace pgrepl::test
