// Choosing the telling log line and turning it into a hint.
#include <gtest/gtest.h>

#include "pgrepl/verify/hints.hpp"

namespace pgrepl {
namespace {

TEST(VerifyHints, TellingLogLine) {
    EXPECT_EQ(telling_log_line({}), "");
    EXPECT_EQ(telling_log_line({"LOG: a", "LOG: b", "  "}), "LOG: b");
    EXPECT_EQ(telling_log_line({"FATAL: old", "LOG: waiting for WAL", "ERROR: newer", "LOG: x"}),
              "ERROR: newer");
    // A timeline fork is only a LOG line, but it explains everything.
    EXPECT_EQ(telling_log_line({"FATAL:  could not start WAL streaming: slot",
                                "LOG:  new timeline 2 forked off current database system "
                                "timeline 1 before current recovery point 0/4675848",
                                "LOG:  waiting for WAL to become available at 0/4002000"}),
              "LOG:  new timeline 2 forked off current database system timeline 1 before "
              "current recovery point 0/4675848");
    const std::string long_line = "FATAL: " + std::string(400, 'x');
    const auto cut = telling_log_line({long_line});
    EXPECT_EQ(cut.size(), 303u);
    EXPECT_EQ(cut.substr(300), "...");
    EXPECT_EQ(last_log_line({"FATAL: a", "LOG: shut down\r", ""}), "LOG: shut down");
}

struct HintCase {
    std::string line;
    std::string expected_part;
};

class VerifyReceiverHintTest : public ::testing::TestWithParam<HintCase> {};

TEST_P(VerifyReceiverHintTest, Hint) {
    ReceiverHintContext context;
    context.standby = "db3";
    context.standby_address = "10.0.0.13";
    context.upstream = "db1";
    context.upstream_address = "10.0.0.11";
    context.upstream_port = 5432;
    context.log_file = "/var/log/postgresql/postgresql-15-main.log";
    const std::string hint = receiver_hint(GetParam().line, context);
    EXPECT_NE(hint.find(GetParam().expected_part), std::string::npos) << hint;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, VerifyReceiverHintTest,
    ::testing::Values(
        HintCase{"FATAL:  could not connect to the primary server: connection to server at "
                 "\"10.0.0.11\", port 5432 failed: FATAL:  no pg_hba.conf entry for replication "
                 "connection from host \"10.0.0.13\", user \"replicator\", no encryption",
                 "check pg_hba on db1 for 10.0.0.13"},
        HintCase{"FATAL:  no pg_hba.conf entry for replication connection",
                 "check pg_hba on db1 for 10.0.0.13"},
        HintCase{"FATAL:  password authentication failed for user \"replicator\"",
                 "replication password of db3 does not match the role on db1"},
        HintCase{"ERROR:  replication slot \"db3\" does not exist",
                 "the slot is missing on db1: run pgrepl setup"},
        HintCase{"FATAL:  requested WAL segment 000000010000000000000003 has already been "
                 "removed",
                 "pgrepl setup --force --limit db3"},
        HintCase{"FATAL:  highest timeline 1 of the primary is behind recovery timeline 2",
                 "diverged from db1's timeline (after a failover?); stop db3, then pgrepl setup "
                 "--limit db3 rewinds it with pg_rewind"},
        HintCase{"LOG:  new timeline 2 forked off current database system timeline 1",
                 "diverged from db1's timeline"},
        HintCase{"FATAL:  database system identifier differs between the primary and standby",
                 "db3 was not cloned from db1"},
        HintCase{"FATAL:  number of requested standby connections exceeds max_wal_senders",
                 "raise max_wal_senders"},
        HintCase{"failed: Connection refused", "db1 does not accept connections on 10.0.0.11:5432"},
        HintCase{"could not connect to server: No route to host", "no firewall"},
        HintCase{"FATAL:  role \"replicator\" does not exist", "replication role on db1"},
        HintCase{"FATAL:  must be superuser or replication role to start walsender",
                 "lacks LOGIN REPLICATION"},
        HintCase{"LOG:  something new",
                 "look at /var/log/postgresql/postgresql-15-main.log on db3"},
        HintCase{"", "look at /var/log/postgresql/postgresql-15-main.log on db3"}));

TEST(VerifyHints, UnknownUpstream) {
    ReceiverHintContext context;
    context.standby = "db3";
    context.standby_address = "10.0.0.13";
    EXPECT_EQ(
        receiver_hint("no pg_hba.conf entry", context).rfind("check pg_hba on the upstream", 0),
        0u);
}

}  // namespace
}  // namespace pgrepl
