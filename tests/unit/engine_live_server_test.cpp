// The one server-state query and its parser (LiveServer).
#include <gtest/gtest.h>

#include "pgrepl/engine/live_server.hpp"
#include "pgrepl/pg/psql_output.hpp"

namespace pgrepl {
namespace {

// A row of live_server_sql(): the fields in order, '|'-separated.
std::string row(const std::vector<std::string>& fields) {
    std::string text;
    for (std::size_t i = 0; i < fields.size(); ++i) text += (i ? "|" : "") + fields[i];
    return text + "\n";
}

std::vector<std::string> primary_fields() {
    return {"f",
            "7000000000000000001",
            "1",
            "0/403F368",
            "",
            "",
            "",
            "",
            "1795656399.164162",
            "150018",
            "2026-11-26 00:00:00.123+00",
            "60000",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            ""};
}

std::vector<std::string> standby_fields() {
    return {"t",
            "7000000000000000001",
            "2",
            "",
            "0/4000148",
            "0/4000100",
            "3.25",
            "f",
            "1795656399.5",
            "150018",
            "2026-11-26 00:00:00+00",
            "10000",
            "user=replicator password=s3cret host=db1 port=5433 application_name=db2",
            "streaming",
            "10.0.0.11",
            "5433",
            "user=replicator password=******** host=db1 port=5433",
            "2",
            "1234",
            "1795656398266000"};
}

TEST(LiveServer, ParsesAPrimary) {
    auto server = parse_live_server(row(primary_fields()));
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ(server->role, LiveRole::Primary);
    EXPECT_EQ(server->system_identifier, "7000000000000000001");
    EXPECT_EQ(server->timeline, std::optional<int>(1));
    EXPECT_EQ(server->current_lsn, parse_lsn("0/403F368"));
    EXPECT_FALSE(server->receive_lsn);
    EXPECT_FALSE(server->replay_lsn);
    EXPECT_FALSE(server->replay_paused);
    EXPECT_FALSE(server->replay_age_seconds);
    EXPECT_EQ(server->wal_position(), parse_lsn("0/403F368"));
    EXPECT_DOUBLE_EQ(server->clock_epoch, 1795656399.164162);
    EXPECT_EQ(server->server_version_num, 150018);
    EXPECT_EQ(server->postmaster_start, "2026-11-26 00:00:00.123+00");
    EXPECT_EQ(server->wal_receiver_timeout_ms, std::optional<std::int64_t>(60000));
    EXPECT_FALSE(server->receiver);
    EXPECT_TRUE(server->configured_upstream.host.empty());
}

TEST(LiveServer, ParsesAStreamingStandbyAndKeepsNoPassword) {
    auto server = parse_live_server(row(standby_fields()));
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ(server->role, LiveRole::Standby);
    EXPECT_EQ(server->timeline, std::optional<int>(2));
    EXPECT_FALSE(server->current_lsn);
    EXPECT_EQ(server->receive_lsn, parse_lsn("0/4000148"));
    EXPECT_EQ(server->replay_lsn, parse_lsn("0/4000100"));
    EXPECT_EQ(server->wal_position(), parse_lsn("0/4000148"));
    EXPECT_EQ(server->replay_age_seconds, 3.25);
    EXPECT_EQ(server->replay_paused, false);
    EXPECT_EQ(server->configured_upstream.host, "db1");
    EXPECT_EQ(server->configured_upstream.port, std::optional<int>(5433));
    ASSERT_TRUE(server->receiver);
    EXPECT_EQ(server->receiver->status, "streaming");
    EXPECT_EQ(server->receiver->sender.host, "10.0.0.11");  // sender_host wins (13+)
    EXPECT_EQ(server->receiver->sender.port, std::optional<int>(5433));
    EXPECT_EQ(server->receiver->received_tli, std::optional<int>(2));
    EXPECT_EQ(server->receiver->silence_ms, std::optional<std::int64_t>(1234));
    EXPECT_EQ(server->receiver->heard_us, std::optional<std::int64_t>(1795656398266000));
}

TEST(LiveServer, ParsesAStandbyNotStreaming) {
    auto fields = standby_fields();
    for (std::size_t i = 13; i < fields.size(); ++i) fields[i].clear();
    fields[4].clear();  // nothing received yet
    fields[12] = "host=10.0.0.11";
    auto server = parse_live_server(row(fields));
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ(server->role, LiveRole::Standby);
    EXPECT_FALSE(server->receiver);
    EXPECT_EQ(server->wal_position(), parse_lsn("0/4000100"));
    EXPECT_EQ(server->configured_upstream.host, "10.0.0.11");
    EXPECT_FALSE(server->configured_upstream.port);
}

TEST(LiveServer, BeforeThirteenTheSenderComesFromTheReceiversConninfo) {
    auto fields = standby_fields();
    fields[14].clear();
    fields[15].clear();
    fields[16] = "user=replicator hostaddr=10.0.0.9 host=db1 port=5434";
    auto server = parse_live_server(row(fields));
    ASSERT_TRUE(server) << server.error().message;
    ASSERT_TRUE(server->receiver);
    EXPECT_EQ(server->receiver->sender.host, "db1");
    EXPECT_EQ(server->receiver->sender.port, std::optional<int>(5434));
}

TEST(LiveServer, RejectsMalformedRows) {
    const std::pair<std::size_t, std::string> bad_fields[] = {{0, "x"},   {2, "two"},   {3, "zz"},
                                                              {6, "abc"}, {7, "maybe"}, {8, "now"},
                                                              {9, ""},    {11, "1min"}};
    for (const auto& [index, value] : bad_fields) {
        auto fields = primary_fields();
        fields[index] = value;
        EXPECT_FALSE(parse_live_server(row(fields))) << index;
    }
    EXPECT_FALSE(parse_live_server(""));
    EXPECT_FALSE(parse_live_server(row(primary_fields()) + row(primary_fields())));
    auto short_row = primary_fields();
    short_row.pop_back();
    EXPECT_FALSE(parse_live_server(row(short_row)));
}

TEST(LiveServer, SqlIsVersionAware) {
    const auto modern = live_server_sql(PgVersion{15, 0});
    EXPECT_NE(modern.find("pg_current_wal_lsn()"), std::string::npos);
    EXPECT_NE(modern.find("pg_last_wal_receive_lsn()"), std::string::npos);
    EXPECT_NE(modern.find("pg_last_wal_replay_lsn()"), std::string::npos);
    EXPECT_NE(modern.find("pg_is_wal_replay_paused()"), std::string::npos);
    EXPECT_NE(modern.find("pg_walfile_name"), std::string::npos);
    EXPECT_NE(modern.find("r.sender_host"), std::string::npos);
    EXPECT_NE(modern.find("r.sender_port"), std::string::npos);
    EXPECT_NE(modern.find("current_setting('primary_conninfo', true)"), std::string::npos);
    const auto old = live_server_sql(PgVersion{9, 6});
    EXPECT_NE(old.find("pg_current_xlog_location()"), std::string::npos);
    EXPECT_NE(old.find("pg_last_xlog_receive_location()"), std::string::npos);
    EXPECT_NE(old.find("pg_last_xlog_replay_location()"), std::string::npos);
    EXPECT_NE(old.find("pg_is_xlog_replay_paused()"), std::string::npos);
    EXPECT_NE(old.find("pg_xlogfile_name"), std::string::npos);
    EXPECT_EQ(old.find("pg_last_wal"), std::string::npos);
    EXPECT_EQ(old.find("pg_walfile_name"), std::string::npos);
    EXPECT_EQ(old.find("sender_host"), std::string::npos);  // a column of 13+
    // Guards: the primary-only and standby-only functions are not called on the other.
    EXPECT_NE(old.find("CASE WHEN pg_is_in_recovery() THEN '' ELSE pg_current_xlog_location()"),
              std::string::npos);
    EXPECT_NE(modern.find("WHEN NOT pg_is_in_recovery() THEN '' WHEN pg_is_wal_replay_paused()"),
              std::string::npos);
}

TEST(LiveServer, ConninfoEndpointFollowsLibpq) {
    EXPECT_EQ(conninfo_endpoint("host=a port=1 host=b").host, "b");
    EXPECT_EQ(conninfo_endpoint("hostaddr=10.0.0.1 host=db1").host, "db1");
    EXPECT_EQ(conninfo_endpoint("host=db1 hostaddr=10.0.0.1").host, "db1");
    EXPECT_EQ(conninfo_endpoint("hostaddr=10.0.0.1").host, "10.0.0.1");
    EXPECT_EQ(conninfo_endpoint("host='db 1' port='5433'").port, std::optional<int>(5433));
    EXPECT_TRUE(conninfo_endpoint("host='open").host.empty());
}

}  // namespace
}  // namespace pgrepl
