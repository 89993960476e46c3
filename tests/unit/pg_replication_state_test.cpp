#include "pgrepl/pg/replication_state.hpp"

#include <gtest/gtest.h>

#include "pg_test_versions.hpp"

namespace pgrepl {
namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(PgReplicationState, StatReplicationQueryForEveryVersion) {
    for (PgVersion version : testing::kAllPgVersions) {
        const std::string sql = stat_replication_sql(version);
        const bool modern = version.number() >= 1000;
        SCOPED_TRACE(version.number());
        EXPECT_EQ(contains(sql, "replay_lsn"), modern);
        EXPECT_EQ(contains(sql, "replay_location"), !modern);
        EXPECT_EQ(contains(sql,
                           "pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN "
                           "pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, "
                           "replay_lsn)::bigint"),
                  modern);
        EXPECT_EQ(contains(sql,
                           "pg_xlog_location_diff(CASE WHEN pg_is_in_recovery() THEN "
                           "pg_last_xlog_receive_location() ELSE "
                           "pg_current_xlog_location() END, replay_location)::bigint"),
                  !modern);
        EXPECT_EQ(contains(sql, "extract(epoch FROM replay_lag)"), modern);
        EXPECT_EQ(contains(sql, "NULL, NULL, NULL FROM"), !modern);
        EXPECT_FALSE(contains(sql, "xlog") && modern);
    }
    EXPECT_EQ(stat_replication_sql({15, 0}),
              "SELECT pid, translate(coalesce(application_name, ''), chr(124) || chr(10) || "
              "chr(13), '   '), coalesce(host(client_addr), ''), state, sent_lsn, write_lsn, "
              "flush_lsn, replay_lsn, sync_state, pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() "
              "THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, "
              "replay_lsn)::bigint, extract(epoch FROM write_lag), extract(epoch FROM "
              "flush_lag), extract(epoch FROM replay_lag) FROM pg_stat_replication ORDER BY "
              "application_name, pid;\n");
}

TEST(PgReplicationState, ParseStatReplication) {
    // PostgreSQL 15 output (extract returns numeric from 14), then a 9.6-style row.
    const char* out =
        "4242|db2|10.0.0.2|streaming|0/3000148|0/3000148|0/3000148|0/3000060|async|232|"
        "0.000512|0.001024|0.001204\n"
        "4243|db3||catchup|0/2000000|||||16777216|||\n";
    const auto rows = parse_stat_replication(out);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u);
    const ReplicationRow& a = (*rows)[0];
    EXPECT_EQ(a.pid, 4242);
    EXPECT_EQ(a.application_name, "db2");
    EXPECT_EQ(a.client_addr, "10.0.0.2");
    EXPECT_EQ(a.state, "streaming");
    EXPECT_EQ(a.sent_lsn, "0/3000148");
    EXPECT_EQ(a.replay_lsn, "0/3000060");
    EXPECT_EQ(a.sync_state, "async");
    EXPECT_EQ(a.replay_lag_bytes, 232);
    ASSERT_TRUE(a.replay_lag_seconds);
    EXPECT_DOUBLE_EQ(*a.replay_lag_seconds, 0.001204);
    EXPECT_DOUBLE_EQ(*a.write_lag_seconds, 0.000512);
    const ReplicationRow& b = (*rows)[1];
    EXPECT_EQ(b.client_addr, "");
    EXPECT_EQ(b.write_lsn, "");
    EXPECT_EQ(b.sync_state, "");
    EXPECT_EQ(b.replay_lag_bytes, 16777216);
    EXPECT_FALSE(b.write_lag_seconds);
    EXPECT_FALSE(b.replay_lag_seconds);

    EXPECT_TRUE(parse_stat_replication("")->empty());
    EXPECT_FALSE(parse_stat_replication("x|db2|a|s|0/1|0/1|0/1|0/1|async|0|||\n").ok());
    EXPECT_FALSE(parse_stat_replication("1|db2|a|s|zz|0/1|0/1|0/1|async|0|||\n").ok());
    EXPECT_FALSE(parse_stat_replication("1|db2|a|s|0/1|0/1|0/1|0/1|async|0|1s||\n").ok());
    EXPECT_FALSE(parse_stat_replication("1|db2|a|s|0/1|0/1|0/1|0/1|async|0||\n").ok());
}

TEST(PgReplicationState, WalReceiverQueryForEveryVersion) {
    for (PgVersion version : testing::kAllPgVersions) {
        const std::string sql = stat_wal_receiver_sql(version);
        const int n = version.number();
        SCOPED_TRACE(n);
        EXPECT_EQ(contains(sql, "sender_host"), n >= 1100);
        EXPECT_EQ(contains(sql, "sender_port"), n >= 1100);
        EXPECT_EQ(contains(sql, "received_lsn"), n < 1300);
        EXPECT_EQ(contains(sql, "flushed_lsn"), n >= 1300);
        EXPECT_TRUE(contains(sql, "FROM pg_stat_wal_receiver;"));
    }
    EXPECT_EQ(stat_wal_receiver_sql({10, 0}),
              "SELECT status, '', '', received_lsn, translate(coalesce(slot_name, ''), chr(124) "
              "|| chr(10) || chr(13), '   '), translate(coalesce(conninfo, ''), chr(124) || "
              "chr(10) || chr(13), '   ') FROM pg_stat_wal_receiver;\n");
}

TEST(PgReplicationState, ParseWalReceiver16) {
    const char* out =
        "streaming|10.0.0.1|5432|0/3000148|db2|user=replicator "
        "passfile=/var/lib/postgresql/.pgpass channel_binding=prefer dbname=replication "
        "host=10.0.0.1 port=5432 application_name=db2 fallback_application_name=walreceiver "
        "sslmode=prefer sslcompression=0 sslcertmode=allow sslsni=1 "
        "ssl_min_protocol_version=TLSv1.2 gssencmode=prefer krbsrvname=postgres "
        "gssdelegation=0 target_session_attrs=any load_balance_hosts=disable\n";
    const auto info = parse_stat_wal_receiver(out);
    ASSERT_TRUE(info.ok()) << info.error().message;
    ASSERT_TRUE(info->has_value());
    EXPECT_EQ((*info)->status, "streaming");
    EXPECT_EQ((*info)->sender_host, "10.0.0.1");
    EXPECT_EQ((*info)->sender_port, 5432);
    EXPECT_EQ((*info)->received_lsn, "0/3000148");
    EXPECT_EQ((*info)->slot_name, "db2");
}

TEST(PgReplicationState, ParseWalReceiver96TakesHostFromConninfo) {
    const char* out =
        "streaming|||0/5000060||user=replicator password=******** dbname=replication "
        "host=db1.example.com port=5433 application_name=db2 "
        "fallback_application_name=walreceiver sslmode=prefer sslcompression=1 "
        "krbsrvname=postgres\n";
    const auto info = parse_stat_wal_receiver(out);
    ASSERT_TRUE(info.ok()) << info.error().message;
    ASSERT_TRUE(info->has_value());
    EXPECT_EQ((*info)->sender_host, "db1.example.com");
    EXPECT_EQ((*info)->sender_port, 5433);
    EXPECT_EQ((*info)->slot_name, "");
    EXPECT_EQ((*info)->received_lsn, "0/5000060");
}

TEST(PgReplicationState, NoWalReceiverAndMalformed) {
    const auto none = parse_stat_wal_receiver("");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    EXPECT_FALSE(parse_stat_wal_receiver("streaming|h|port|0/1|s|c\n").ok());
    EXPECT_FALSE(parse_stat_wal_receiver("streaming|h|1|bad|s|c\n").ok());
    EXPECT_FALSE(parse_stat_wal_receiver("a|b|1|0/1|s|c\na|b|1|0/1|s|c\n").ok());
    // An unparsable conninfo leaves the sender unknown instead of failing.
    const auto odd = parse_stat_wal_receiver("waiting|||||host='broken\n");
    ASSERT_TRUE(odd.ok());
    EXPECT_EQ((*odd)->sender_host, "");
    EXPECT_FALSE((*odd)->sender_port);
}

}  // namespace
}  // namespace pgrepl
