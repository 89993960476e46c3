// --update-inventory: only the role values change, every other byte stays.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "pgrepl/inventory/load.hpp"
#include "pgrepl/handover/inventory_edit.hpp"
#include "pgrepl/handover/topology.hpp"
#include "promote_test_util.hpp"

namespace pgrepl::promote_test {
namespace {

const std::string kBlock = R"(# The cluster. db1 was the primary until 2024.
cluster: app
postgres:
  version: 15   # every node

hosts:
  # the writer
  - name: db1
    address: 10.0.0.11
    role: primary      # was the primary
  - name: db2
    address: 10.0.0.12
    role: "replica"
  - name: db3
    address: 10.0.0.13
    role: 'replica'
  - { name: db4, address: 10.0.0.14, role: replica, upstream: db3 }
)";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(text);
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

// The promoted inventory for `target` with db1 as the old primary.
Inventory promote(const Inventory& inventory, std::size_t target) {
    std::vector<std::optional<std::size_t>> up(inventory.hosts.size());
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        if (inventory.hosts[i].role == Role::Replica) {
            const auto& name = inventory.upstream_of(inventory.hosts[i]).name;
            for (std::size_t j = 0; j < inventory.hosts.size(); ++j) {
                if (inventory.hosts[j].name == name) up[i] = j;
            }
        }
    }
    return promoted_inventory(inventory, target, {0}, up);
}

TEST(PromoteInventoryEdit, RewritesOnlyTheRoleValues) {
    const auto inventory = inventory_from(kBlock);
    const auto promoted = promote(inventory, 1);
    auto out = rewrite_role_values(kBlock, role_edits(inventory, promoted));
    ASSERT_TRUE(out.ok()) << out.error().message;
    const auto before = lines_of(kBlock);
    const auto after = lines_of(*out);
    ASSERT_EQ(before.size(), after.size());
    for (std::size_t i = 0; i < before.size(); ++i) {
        if (i == 9) {
            EXPECT_EQ(after[i], "    role: replica      # was the primary");
        } else if (i == 12) {
            EXPECT_EQ(after[i], "    role: \"primary\"");
        } else {
            EXPECT_EQ(after[i], before[i]) << "line " << i + 1;
        }
    }
    // The result loads with the new roles.
    const auto reloaded = parse_inventory(*out, "inventory.yaml");
    ASSERT_TRUE(reloaded.ok());
    EXPECT_EQ(reloaded.inventory.primary().name, "db2");
}

TEST(PromoteInventoryEdit, FlowStyleAndSingleQuotes) {
    const auto inventory = inventory_from(kBlock);
    // Promote db4 (flow style, cascading below db3): its upstream key makes the result invalid,
    // but the text rewrite itself is exact.
    auto out = rewrite_role_values(kBlock, role_edits(inventory, promote(inventory, 3)));
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_NE(out->find("  - { name: db4, address: 10.0.0.14, role: primary, upstream: db3 }\n"),
              std::string::npos)
        << *out;
    // db3 keeps its single quotes when promoted.
    out = rewrite_role_values(kBlock, role_edits(inventory, promote(inventory, 2)));
    ASSERT_TRUE(out.ok());
    EXPECT_NE(out->find("    role: 'primary'\n"), std::string::npos) << *out;
}

TEST(PromoteInventoryEdit, KeepsCrLfLineEndings) {
    std::string crlf;
    for (char c : kBlock) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    const auto inventory = inventory_from(crlf);
    auto out = rewrite_role_values(crlf, role_edits(inventory, promote(inventory, 1)));
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_NE(out->find("    role: replica      # was the primary\r\n"), std::string::npos);
    EXPECT_NE(out->find("    role: \"primary\"\r\n"), std::string::npos);
    EXPECT_EQ(out->size(), crlf.size());
}

TEST(PromoteInventoryEdit, FindsTheRoleKeyWhenTheColumnIsOff) {
    const std::string text = "hosts:\n  - name: db1\n    role: primary\n";
    std::vector<RoleEdit> edits{{"db1", SourceMark{3, 1}, Role::Primary, Role::Replica}};
    auto out = rewrite_role_values(text, edits);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, "hosts:\n  - name: db1\n    role: replica\n");
}

TEST(PromoteInventoryEdit, AlreadyRewrittenIsANoOp) {
    const std::string text = "    role: replica\n";
    std::vector<RoleEdit> edits{{"db1", SourceMark{1, 11}, Role::Primary, Role::Replica}};
    auto out = rewrite_role_values(text, edits);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, text);
}

TEST(PromoteInventoryEdit, ChangedFileIsAConflict) {
    const std::string text = "hosts:\n  - name: db1\n    address: 10.0.0.1\n";
    std::vector<RoleEdit> edits{{"db1", SourceMark{3, 5}, Role::Primary, Role::Replica}};
    auto out = rewrite_role_values(text, edits);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().kind, ErrorKind::Conflict);
    EXPECT_NE(out.error().message.find("line 3: role of db1"), std::string::npos);
    edits[0].mark.line = 9;
    EXPECT_FALSE(rewrite_role_values(text, edits).ok());
}

class TempFile {
  public:
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/pgrepl-promote-XXXXXX";
        const int fd = mkstemp(name);
        EXPECT_GE(fd, 0);
        path_ = name;
        EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
        fchmod(fd, 0640);
        close(fd);
    }
    ~TempFile() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }
    std::string read() const {
        std::ifstream in(path_, std::ios::binary);
        std::ostringstream out;
        out << in.rdbuf();
        return out.str();
    }

  private:
    std::string path_;
};

TEST(PromoteInventoryEdit, UpdatesTheFileInPlaceKeepingItsMode) {
    TempFile file(kBlock);
    auto loaded = load_inventory(file.path());
    ASSERT_TRUE(loaded.ok());
    const auto promoted = promote(loaded.inventory, 1);
    auto updated = update_inventory_roles(file.path(), loaded.inventory, promoted);
    ASSERT_TRUE(updated.ok()) << updated.error().message;
    EXPECT_EQ(*updated, 2);
    const std::string after = file.read();
    auto expected = kBlock;
    expected.replace(expected.find("role: primary      #"), 13, "role: replica");
    expected.replace(expected.find("role: \"replica\""), 15, "role: \"primary\"");
    EXPECT_EQ(after, expected);
    struct stat info {};
    ASSERT_EQ(stat(file.path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0640u);
    // A second run changes nothing.
    auto reloaded = load_inventory(file.path());
    ASSERT_TRUE(reloaded.ok());
    auto again = update_inventory_roles(file.path(), reloaded.inventory, promoted);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, 0);
    EXPECT_EQ(file.read(), expected);
}

TEST(PromoteInventoryEdit, RefusesToWriteAnInvalidInventory) {
    TempFile file(kBlock);
    auto loaded = load_inventory(file.path());
    ASSERT_TRUE(loaded.ok());
    // db4 would become a primary with an upstream key.
    auto updated =
        update_inventory_roles(file.path(), loaded.inventory, promote(loaded.inventory, 3));
    ASSERT_FALSE(updated.ok());
    EXPECT_NE(updated.error().message.find("would not be valid"), std::string::npos)
        << updated.error().message;
    EXPECT_NE(updated.error().message.find("cannot have an upstream"), std::string::npos)
        << updated.error().message;
    EXPECT_EQ(file.read(), kBlock);
}

}  // namespace
}  // namespace pgrepl::promote_test
