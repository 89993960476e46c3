#include "pgrepl/pg/hba.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "pg_test_versions.hpp"

namespace pgrepl {
namespace {

const std::string kBlock =
    "# BEGIN pgrepl (managed: edits inside this block are overwritten)\n"
    "host replication replicator 10.0.0.2/32 scram-sha-256\n"
    "# END pgrepl\n";

const std::string kDebianDefault =
    "# PostgreSQL Client Authentication Configuration File\n"
    "# ===================================================\n"
    "\n"
    "# DO NOT DISABLE!\n"
    "local   all             postgres                                peer\n"
    "\n"
    "# TYPE  DATABASE        USER            ADDRESS                 METHOD\n"
    "local   all             all                                     peer\n"
    "host    all             all             127.0.0.1/32            scram-sha-256\n";

std::string merged(std::string_view existing, std::string_view block = kBlock) {
    auto result = merge_hba(existing, block);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : std::string();
}

/// `text` with the managed block (and only it) cut out.
std::string without_block(const std::string& text) {
    const std::size_t begin = text.find("# BEGIN pgrepl");
    const std::size_t end_marker = text.find("# END pgrepl", begin);
    if (begin == std::string::npos || end_marker == std::string::npos) return text;
    std::size_t end = text.find('\n', end_marker);
    end = end == std::string::npos ? text.size() : end + 1;
    return text.substr(0, begin) + text.substr(end);
}

TEST(PgHba, RenderAlignsColumns) {
    const std::vector<HbaEntry> entries = {
        {"host", "replication", "replicator", "10.0.0.2/32", "scram-sha-256"},
        {"hostssl", "all", "app", "192.168.100.0/24", "md5"},
        {"local", "all", "postgres", "", "peer"},
    };
    EXPECT_EQ(render_hba_block(entries),
              "# BEGIN pgrepl (managed: edits inside this block are overwritten)\n"
              "host    replication replicator 10.0.0.2/32      scram-sha-256\n"
              "hostssl all         app        192.168.100.0/24 md5\n"
              "local   all         postgres                    peer\n"
              "# END pgrepl\n");
    EXPECT_EQ(render_hba_block({}),
              "# BEGIN pgrepl (managed: edits inside this block are overwritten)\n"
              "# END pgrepl\n");
}

TEST(PgHba, RenderRejectsBrokenFields) {
    EXPECT_THROW(render_hba_block({{"host", "all", "all", "", "md5"}}), std::invalid_argument);
    EXPECT_THROW(render_hba_block({{"host", "all", "a\nll", "::1/128", "md5"}}),
                 std::invalid_argument);
    EXPECT_THROW(render_hba_block({{"host", "all", "all", "::1/128", ""}}), std::invalid_argument);
}

TEST(PgHba, BlockGoesBeforeFirstRule) {
    EXPECT_EQ(merged(kDebianDefault),
              "# PostgreSQL Client Authentication Configuration File\n"
              "# ===================================================\n"
              "\n"
              "# DO NOT DISABLE!\n" +
                  kBlock +
                  "local   all             postgres                                peer\n"
                  "\n"
                  "# TYPE  DATABASE        USER            ADDRESS                 METHOD\n"
                  "local   all             all                                     peer\n"
                  "host    all             all             127.0.0.1/32            "
                  "scram-sha-256\n");
}

TEST(PgHba, IndentedCommentIsNotARule) {
    EXPECT_EQ(merged("   # comment\n\t\nhost all all ::1/128 md5\n"),
              "   # comment\n\t\n" + kBlock + "host all all ::1/128 md5\n");
}

TEST(PgHba, ExistingBlockIsReplacedAndMovedToTheFront) {
    const std::string old_block =
        "# BEGIN pgrepl (managed: edits inside this block are overwritten)\n"
        "host replication replicator 10.9.9.9/32 md5\n"
        "# END pgrepl\n";
    const std::string existing = "# head\nlocal all all peer\n" + old_block + "# tail\n";
    EXPECT_EQ(merged(existing), "# head\n" + kBlock + "local all all peer\n# tail\n");
}

TEST(PgHba, MergeIsAFixedPointAndKeepsOtherBytes) {
    const std::string inputs[] = {
        "",
        "\n",
        kDebianDefault,
        "# only\n# comments\n",
        "# only a comment without newline",
        "host all all 0.0.0.0/0 md5",
        "# c\r\nlocal all all peer\r\nhost all all ::1/128 md5\r\n",
        "local all all peer\n" + kBlock,
        kBlock + kBlock + "local all all peer\n",
        "\n\n\n   \n",
        "local all all peer\n\n\n# trailing\n\n",
    };
    for (const std::string& input : inputs) {
        const std::string once = merged(input);
        EXPECT_EQ(merged(once), once) << "input: " << input;
        const std::string twice_block = merged(once, kBlock);
        EXPECT_EQ(twice_block, once);
        // Outside the block, bytes are the input's (minus old blocks, plus a final newline
        // when the block had to be appended to an unterminated comment).
        std::string expected = input;
        while (without_block(expected) != expected) expected = without_block(expected);
        const std::string outside = without_block(once);
        if (!expected.empty() && expected.back() != '\n' && outside.size() == expected.size() + 1) {
            expected += '\n';
        }
        EXPECT_EQ(outside, expected) << "input: " << input;
        EXPECT_NE(once.find(kBlock.substr(0, 20)), std::string::npos);
    }
}

TEST(PgHba, CrlfFilesGetACrlfBlock) {
    const std::string input = "# c\r\nlocal all all peer\r\n";
    EXPECT_EQ(merged(input),
              "# c\r\n"
              "# BEGIN pgrepl (managed: edits inside this block are overwritten)\r\n"
              "host replication replicator 10.0.0.2/32 scram-sha-256\r\n"
              "# END pgrepl\r\n"
              "local all all peer\r\n");
}

TEST(PgHba, NoTrailingNewline) {
    EXPECT_EQ(merged("local all all peer"), kBlock + "local all all peer");
    EXPECT_EQ(merged("# just a comment"), "# just a comment\n" + kBlock);
}

TEST(PgHba, OnlyCommentsOrEmpty) {
    EXPECT_EQ(merged("# a\n\n# b\n"), "# a\n\n# b\n" + kBlock);
    EXPECT_EQ(merged(""), kBlock);
}

TEST(PgHba, BrokenMarkersAreConflicts) {
    const auto open = merge_hba("# BEGIN pgrepl (managed)\nlocal all all peer\n", kBlock);
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(open.error().kind, ErrorKind::Conflict);
    EXPECT_NE(open.error().message.find("line 1"), std::string::npos);
    const auto stray = merge_hba("local all all peer\n# END pgrepl\n", kBlock);
    ASSERT_FALSE(stray.ok());
    EXPECT_EQ(stray.error().kind, ErrorKind::Conflict);
    const auto nested = merge_hba("# BEGIN pgrepl\n# BEGIN pgrepl\n# END pgrepl\n", kBlock);
    EXPECT_FALSE(nested.ok());
}

TEST(PgHba, BlockWithoutMarkersIsABug) {
    EXPECT_THROW((void)merge_hba("", "host all all ::1/128 md5\n"), std::invalid_argument);
}

TEST(PgHba, ReplicationEntries) {
    const auto entries = replication_entries(
        {15, 0}, "replicator", {"10.0.0.2", "fe80::1", "db3.example.com", "10.1.0.0/16"});
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].address, "10.0.0.2/32");
    EXPECT_EQ(entries[1].address, "fe80::1/128");
    EXPECT_EQ(entries[2].address, "db3.example.com");
    EXPECT_EQ(entries[3].address, "10.1.0.0/16");
    for (const HbaEntry& entry : entries) {
        EXPECT_EQ(entry.type, "host");
        EXPECT_EQ(entry.database, "replication");
        EXPECT_EQ(entry.user, "replicator");
        EXPECT_EQ(entry.method, "scram-sha-256");
    }
    EXPECT_EQ(replication_entries({9, 6}, "rep", {"10.0.0.2"})[0].method, "md5");
    EXPECT_EQ(replication_entries({10, 0}, "all", {"10.0.0.2"})[0].user, "\"all\"");
    EXPECT_EQ(replication_entries({10, 0}, "r", {"999.0.0.1"})[0].address, "999.0.0.1");
    EXPECT_EQ(render_hba_block(replication_entries({15, 0}, "replicator", {"10.0.0.2"})), kBlock);
}

TEST(PgHba, RewindEntriesLetTheRewindRoleIntoDatabasePostgresFrom11) {
    for (const PgVersion version : testing::kAllPgVersions) {
        const auto entries = rewind_entries(version, "pgrepl_rewind", {"10.0.0.2", "fe80::1"});
        if (version.number() < 1100) {
            EXPECT_TRUE(entries.empty()) << version.to_string();
            continue;
        }
        ASSERT_EQ(entries.size(), 2u);
        EXPECT_EQ(entries[0].address, "10.0.0.2/32");
        EXPECT_EQ(entries[1].address, "fe80::1/128");
        for (const HbaEntry& entry : entries) {
            EXPECT_EQ(entry.type, "host");
            EXPECT_EQ(entry.database, "postgres");
            EXPECT_EQ(entry.user, "pgrepl_rewind");
            EXPECT_EQ(entry.method, "scram-sha-256");
        }
    }
}

TEST(PgHba, AccessEntries) {
    AccessRule rule;
    rule.address = "10.0.0.0/8";
    const auto entries = access_entries({rule});
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].type, "host");
    EXPECT_EQ(entries[0].database, "all");
    EXPECT_EQ(entries[0].user, "all");
    EXPECT_EQ(entries[0].address, "10.0.0.0/8");
    EXPECT_EQ(entries[0].method, "scram-sha-256");
}

}  // namespace
}  // namespace pgrepl
