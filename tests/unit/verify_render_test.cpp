// The human table and the JSON document of verify.
#include <gtest/gtest.h>

#include "pgrepl/util/json.hpp"
#include "pgrepl/verify/render.hpp"
#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

std::vector<std::string> keys(const Json& object) {
    std::vector<std::string> names;
    for (const auto& [name, value] : object.items()) names.push_back(name);
    return names;
}

VerifyReport healthy_report(const Inventory& inventory) {
    return test::healthy_report(inventory);
}

VerifyReport broken_report(const Inventory& inventory) {
    return test::no_receiver_report(
        inventory, {"FATAL:  no pg_hba.conf entry for replication connection from host "
                    "\"10.0.0.13\", user \"replicator\", \"quoted\"\ttab"});
}

TEST(VerifyJson, TopLevelShapeIsStable) {
    const Inventory inventory = test::verify_inventory();
    Json json = Json::parse(verify_json(healthy_report(inventory)));
    EXPECT_EQ(keys(json), (std::vector<std::string>{"format", "cluster", "healthy", "primary",
                                                    "primaries", "split_brain", "inventory_differs",
                                                    "notes", "system_identifier", "thresholds",
                                                    "probe", "archive_test", "hosts", "problems"}));
    EXPECT_EQ(json["format"], "pgrepl-verify/1");
    EXPECT_EQ(json["healthy"], true);
    EXPECT_EQ(json["primary"], "db1");
    EXPECT_EQ(keys(json["thresholds"]),
              (std::vector<std::string>{"max_lag_bytes", "max_lag_seconds", "timeout_seconds"}));
    EXPECT_EQ(json["thresholds"]["max_lag_bytes"], 16777216.0);
    EXPECT_EQ(json["thresholds"]["timeout_seconds"], 10.0);
    EXPECT_EQ(keys(json["probe"]),
              (std::vector<std::string>{"primary", "lsn", "emitted_at", "error"}));
    EXPECT_EQ(json["probe"]["lsn"], "0/5000100");
    EXPECT_EQ(json["hosts"].size(), 3u);
    EXPECT_TRUE(json["problems"].empty());
}

TEST(VerifyJson, HostShapeIsStable) {
    const Inventory inventory = test::verify_inventory();
    Json json = Json::parse(verify_json(healthy_report(inventory)));
    Json& standby = json["hosts"][1];
    EXPECT_EQ(keys(standby), (std::vector<std::string>{"name",
                                                       "address",
                                                       "inventory_role",
                                                       "live_role",
                                                       "state",
                                                       "healthy",
                                                       "member",
                                                       "former_primary",
                                                       "reachable",
                                                       "postgres_running",
                                                       "accepting_connections",
                                                       "error",
                                                       "server",
                                                       "upstream",
                                                       "upstream_source",
                                                       "unknown_sender",
                                                       "wal_receiver",
                                                       "archiver",
                                                       "sender",
                                                       "slot",
                                                       "lag",
                                                       "probe",
                                                       "walsenders",
                                                       "slots",
                                                       "processes",
                                                       "settings_problems",
                                                       "log_tail",
                                                       "checks"}));
    EXPECT_EQ(standby["live_role"], "standby");
    EXPECT_EQ(standby["former_primary"], false);
    EXPECT_EQ(standby["upstream"], "db1");
    EXPECT_EQ(standby["upstream_source"], "live");
    EXPECT_EQ(keys(standby["lag"]), (std::vector<std::string>{"bytes", "seconds", "seconds_source",
                                                              "last_replay_age_seconds", "note"}));
    EXPECT_EQ(standby["lag"]["bytes"], 0.0);
    EXPECT_EQ(standby["lag"]["seconds_source"], "caught_up");
    EXPECT_EQ(keys(standby["probe"]), (std::vector<std::string>{"status", "ms", "ms_is_upper_bound",
                                                                "replay_lsn", "detail"}));
    EXPECT_EQ(standby["probe"]["status"], "replayed");
    EXPECT_EQ(standby["probe"]["ms"], 3.0);
    EXPECT_EQ(keys(standby["slot"]),
              (std::vector<std::string>{"name", "exists", "active", "restart_lsn", "retained_bytes",
                                        "wal_status"}));
    EXPECT_EQ(standby["sender"]["state"], "streaming");
    EXPECT_EQ(standby["sender"]["process_present"], true);
    EXPECT_EQ(standby["wal_receiver"]["status"], "streaming");
    EXPECT_EQ(standby["server"]["replay_lsn"], "0/5000000");
    auto& checks = standby["checks"];
    ASSERT_FALSE(checks.empty());
    EXPECT_EQ(keys(checks[0]), (std::vector<std::string>{"name", "status", "message", "hint"}));
    EXPECT_EQ(checks[0]["status"], "ok");
    EXPECT_TRUE(checks[0]["hint"].is_null());

    Json& primary = json["hosts"][0];
    EXPECT_TRUE(primary["upstream"].is_null());
    EXPECT_TRUE(primary["wal_receiver"].is_null());
    EXPECT_EQ(primary["walsenders"].size(), 2u);
    EXPECT_EQ(primary["slots"][0]["retained_bytes"], 0.0);
    EXPECT_EQ(primary["processes"]["postmaster_pid"], 50.0);
}

TEST(VerifyJson, ProblemsAndEscapingRoundTrip) {
    const Inventory inventory = test::verify_inventory();
    Json json = Json::parse(verify_json(broken_report(inventory)));
    EXPECT_EQ(json["healthy"], false);
    auto& problems = json["problems"];
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(keys(problems[0]),
              (std::vector<std::string>{"host", "check", "severity", "message", "hint"}));
    EXPECT_EQ(problems[0]["host"], "db3");
    EXPECT_EQ(problems[0]["check"], "wal_receiver");
    EXPECT_EQ(problems[0]["severity"], "error");
    // The document is valid JSON, and the log line survives its quotes and tab.
    const auto message = json["problems"][0]["message"].get<std::string>();
    EXPECT_NE(message.find("user \"replicator\", \"quoted\"\ttab"), std::string::npos);
}

TEST(VerifyJson, AHostsErrorIsItsWholeDescription) {
    const Inventory inventory = test::verify_inventory();
    auto states = test::healthy_states(inventory);
    states[2] = HostState{};
    states[2].host = &inventory.hosts[2];
    states[2].unreachable =
        make_host_error(ErrorKind::Connect, "db3", "connect", "timed out", "is it up?");
    states[1].gather_error =
        make_host_error(ErrorKind::Sudo, "db2", "gather replication state", "sudo -n refused");
    Json json = Json::parse(verify_json(test::assess_states(inventory, std::move(states))));
    EXPECT_EQ(json["hosts"][2]["error"], "db3: connect: timed out");
    EXPECT_EQ(json["hosts"][1]["error"], "db2: gather replication state: sudo -n refused");
}

TEST(VerifyText, HealthyTable) {
    const Inventory inventory = test::verify_inventory();
    const std::string text = render_verify_text(healthy_report(inventory), Color::Never);
    EXPECT_EQ(text,
              "HOST  ROLE     UPSTREAM  STATE      LAG  LAG TIME  PROBE  PROBLEMS\n"
              "db1   primary  -         primary    -    -         -      -\n"
              "db2   standby  db1       streaming  0 B  0.0 s     3 ms   -\n"
              "db3   standby  db1       streaming  0 B  0.0 s     3 ms   -\n"
              "\n"
              "healthy: primary db1, 2 standby(s) streaming, slowest probe 3 ms\n");
    EXPECT_EQ(text.find('\033'), std::string::npos);
}

TEST(VerifyText, PatronisViewOfEachHostAfterAHandoff) {
    Inventory inventory = test::verify_inventory();
    inventory.patroni = PatroniOptions{};
    auto states = test::healthy_states(inventory);
    const auto view = [](const char* role, std::optional<int> timeline) {
        HostState::PatroniView patroni;
        patroni.configured = true;
        patroni.status = 200;
        patroni.role = role;
        patroni.state = "running";
        patroni.timeline = timeline;
        return patroni;
    };
    states[0].patroni = view("primary", 2);
    states[1].patroni = view("replica", 2);
    states[2].patroni = HostState::PatroniView{};
    states[2].patroni->configured = true;
    states[2].patroni->error = "Connection refused";
    const std::string text =
        render_verify_text(test::assess_states(inventory, std::move(states)), Color::Never);
    EXPECT_NE(text.find("\npatroni: db1 primary running TL 2, db2 replica running TL 2, db3 no "
                        "answer\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("db3: Patroni does not answer on http://10.0.0.13:8008/patroni: "
                        "Connection refused"),
              std::string::npos)
        << text;
}

TEST(VerifyText, ProblemsWithHints) {
    const Inventory inventory = test::verify_inventory();
    const std::string text = render_verify_text(broken_report(inventory), Color::Never);
    EXPECT_NE(text.find("db3   standby  db1?      no-receiver"), std::string::npos) << text;
    EXPECT_NE(text.find("\ndb3: wal receiver not running; last log line: FATAL:  no pg_hba.conf "
                        "entry"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\n  hint: check pg_hba on db1 for 10.0.0.13"), std::string::npos) << text;
    EXPECT_NE(text.find("\nUNHEALTHY: 1 failed check(s) on db3\n"), std::string::npos) << text;
}

TEST(VerifyText, ColorsOnlyWhenAsked) {
    const Inventory inventory = test::verify_inventory();
    const std::string text = render_verify_text(broken_report(inventory), Color::Always);
    EXPECT_NE(text.find("\033[1;31mno-receiver\033[0m"), std::string::npos) << text;
    EXPECT_NE(text.find("\033[32mstreaming\033[0m"), std::string::npos) << text;
}

TEST(VerifyText, NotesAndSplitBrain) {
    const Inventory inventory = test::verify_inventory();
    std::vector<HostState> states = {test::primary_state(inventory, "db1", {"db3"}),
                                     test::primary_state(inventory, "db2", {}),
                                     test::standby_state(inventory, "db3", "db1")};
    const std::string text =
        render_verify_text(test::assess_states(inventory, std::move(states)), Color::Never);
    EXPECT_NE(text.find("UNHEALTHY (SPLIT BRAIN: db1, db2 are all primaries)"), std::string::npos)
        << text;

    std::vector<HostState> failover = {test::standby_state(inventory, "db1", "db2"),
                                       test::primary_state(inventory, "db2", {"db1", "db3"}),
                                       test::standby_state(inventory, "db3", "db2")};
    const std::string healthy =
        render_verify_text(test::assess_states(inventory, std::move(failover)), Color::Never);
    EXPECT_NE(healthy.find("note: the live primary is db2; the inventory says db1"),
              std::string::npos)
        << healthy;
    EXPECT_NE(healthy.find("healthy: primary db2"), std::string::npos) << healthy;
}

}  // namespace
}  // namespace pgrepl
