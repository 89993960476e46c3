// The two scripts of WAL archiving over SSH, run for real with /bin/sh: the client talks to the
// server through a stand-in `ssh` that runs the forced command locally, the way sshd would.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/archive.hpp"

namespace pgrepl {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSeg1 = "000000010000000000000001";
constexpr const char* kSeg2 = "000000010000000000000002";
constexpr const char* kSeg3 = "000000010000000000000003";
constexpr const char* kSeg4 = "000000010000000000000004";

struct Ran {
    int status = -1;
    std::string output;
};

void write(const fs::path& path, const std::string& content, fs::perms perms = fs::perms(0644)) {
    std::ofstream(path, std::ios::binary) << content;
    fs::permissions(path, perms);
}

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
}

class WalSshScripts : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/pgrepl-wal-ssh-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        root_ = pattern;
        fs::create_directories(root_ / "bin");
        fs::create_directories(root_ / "archive");
        fs::create_directories(root_ / "data" / "pg_wal");
        write(root_ / "wal-ssh", render_wal_ssh_client(), fs::perms(0755));
        write(root_ / "wal-ssh-serve", render_wal_ssh_server(), fs::perms(0755));
        // The stand-in ssh: skips the options up to `--`, then the host, and runs the forced
        // command with the rest as SSH_ORIGINAL_COMMAND; SSH_FAIL makes it fail like a lost
        // connection (status 255).
        write(
            root_ / "bin" / "ssh",
            "#!/bin/sh\n"
            "[ -z \"${SSH_FAIL:-}\" ] || { echo 'ssh: connect: No route to host' >&2; exit 255; }\n"
            "while [ $# -gt 0 ] && [ \"$1\" != -- ]; do shift; done\n"
            "shift 2\n"
            "SSH_ORIGINAL_COMMAND=\"$*\" exec /bin/sh \"$SERVE\" \"$ARCHIVE\" \"$NODE\"\n",
            fs::perms(0755));
    }
    void TearDown() override { fs::remove_all(root_); }

    // Runs `command` in the data directory with the stand-in ssh first in PATH.
    Ran run(const std::string& command, const std::string& node = "db2",
            const std::string& extra_env = {}) {
        const auto line = fmt_command(command, node, extra_env);
        Ran ran;
        FILE* pipe = popen(line.c_str(), "r");
        if (pipe == nullptr) return ran;
        char buffer[4096];
        std::size_t n = 0;
        while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) ran.output.append(buffer, n);
        const int status = pclose(pipe);
        ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return ran;
    }

    Ran client(const std::string& args, const std::string& node = "db2",
               const std::string& extra_env = {}) {
        return run(shell_quote((root_ / "wal-ssh").string()) + " " + args, node, extra_env);
    }

    Ran server(const std::string& request, const std::string& input = {}) {
        write(root_ / "input", input);
        return run("SSH_ORIGINAL_COMMAND=" + shell_quote(request) + " /bin/sh " +
                   shell_quote((root_ / "wal-ssh-serve").string()) + " " +
                   shell_quote(archive().string()) + " db2 <" +
                   shell_quote((root_ / "input").string()));
    }

    fs::path archive() const { return root_ / "archive"; }
    fs::path root() const { return root_; }
    fs::path data() const { return root_ / "data"; }

  private:
    std::string fmt_command(const std::string& command, const std::string& node,
                            const std::string& extra_env) const {
        return "cd " + shell_quote(data().string()) +
               " && PATH=" + shell_quote((root_ / "bin").string()) +
               ":$PATH SERVE=" + shell_quote((root_ / "wal-ssh-serve").string()) +
               " ARCHIVE=" + shell_quote(archive().string()) + " NODE=" + node + " " + extra_env +
               " " + command + " 2>&1";
    }

    fs::path root_;
};

TEST_F(WalSshScripts, PushThenPushAgainIsFine) {
    write(data() / "pg_wal" / kSeg1, std::string(1000, 'a'));
    auto pushed = client(std::string("push archive 22 key pg_wal/") + kSeg1 + " " + kSeg1);
    EXPECT_EQ(pushed.status, 0) << pushed.output;
    EXPECT_EQ(read(archive() / kSeg1), std::string(1000, 'a'));
    auto again = client(std::string("push archive 22 key pg_wal/") + kSeg1 + " " + kSeg1);
    EXPECT_EQ(again.status, 0) << again.output;
    // No temporary file is left behind.
    int entries = 0;
    for (const auto& entry : fs::directory_iterator(archive())) {
        (void)entry;
        ++entries;
    }
    EXPECT_EQ(entries, 1);
}

TEST_F(WalSshScripts, NeverOverwritesADifferentSegment) {
    write(archive() / kSeg1, "original");
    write(data() / "pg_wal" / kSeg1, "something else");
    auto pushed = client(std::string("push archive 22 key pg_wal/") + kSeg1 + " " + kSeg1);
    EXPECT_EQ(pushed.status, 1);
    EXPECT_NE(pushed.output.find("already archived with different content"), std::string::npos)
        << pushed.output;
    EXPECT_EQ(read(archive() / kSeg1), "original");
}

TEST_F(WalSshScripts, FetchRestoresAndFailsWithOneForAMissingFile) {
    write(archive() / kSeg2, "segment two");
    auto fetched = client(std::string("fetch archive 22 key ") + kSeg2 + " pg_wal/RECOVERYXLOG");
    EXPECT_EQ(fetched.status, 0) << fetched.output;
    EXPECT_EQ(read(data() / "pg_wal" / "RECOVERYXLOG"), "segment two");

    fs::remove(data() / "pg_wal" / "RECOVERYXLOG");
    auto missing = client(std::string("fetch archive 22 key ") + kSeg3 + " pg_wal/RECOVERYXLOG");
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.output, "");  // quiet: PostgreSQL asks for files that do not exist yet
    EXPECT_FALSE(fs::exists(data() / "pg_wal" / "RECOVERYXLOG"));
    for (const auto& entry : fs::directory_iterator(data() / "pg_wal"))
        ADD_FAILURE() << "left behind: " << entry.path();
}

TEST_F(WalSshScripts, ALostConnectionExitsOneNot255) {
    write(data() / "pg_wal" / kSeg1, "x");
    // Above 125 PostgreSQL would take the failure for a crash (restore: FATAL).
    auto pushed = client(std::string("push archive 22 key pg_wal/") + kSeg1 + " " + kSeg1, "db2",
                         "SSH_FAIL=1");
    EXPECT_EQ(pushed.status, 1) << pushed.output;
    auto fetched = client(std::string("fetch archive 22 key ") + kSeg1 + " pg_wal/RECOVERYXLOG",
                          "db2", "SSH_FAIL=1");
    EXPECT_EQ(fetched.status, 1) << fetched.output;
    EXPECT_FALSE(fs::exists(data() / "pg_wal" / "RECOVERYXLOG"));
}

TEST_F(WalSshScripts, ATruncatedTransferIsRefused) {
    auto put = server(std::string("put ") + kSeg1 + " 100", std::string(60, 'z'));
    EXPECT_EQ(put.status, 1);
    EXPECT_NE(put.output.find("received 60 of 100 bytes"), std::string::npos) << put.output;
    EXPECT_FALSE(fs::exists(archive() / kSeg1));
}

TEST_F(WalSshScripts, OnlyWalNamesInsideTheDirectory) {
    for (const std::string request :
         {"get ../../etc/passwd", "get /etc/passwd", "put 000000010000000000000001", "rm -rf /",
          "get 00000001000000000000000G", "cleanup 00000002.history", ""}) {
        auto ran = server(request);
        EXPECT_EQ(ran.status, 1) << request << ": " << ran.output;
    }
    write(archive() / "00000002.history", "1\t0/3000000\tno recovery target specified\n");
    EXPECT_EQ(server("get 00000002.history").status, 0);
    EXPECT_EQ(server("ping").output, "ok\n");
}

TEST_F(WalSshScripts, CleanupKeepsWhatTheSlowestStandbyNeeds) {
    for (const char* name : {kSeg1, kSeg2, kSeg3, kSeg4}) write(archive() / name, name);
    write(archive() / "00000001.history", "h");
    write(archive() / (std::string(kSeg1) + ".00000028.backup"), "b");
    // db2 still needs segment 2: segment 1 goes.
    EXPECT_EQ(client(std::string("cleanup archive 22 key ") + kSeg2, "db2").status, 0);
    EXPECT_EQ(read(archive() / ".pgrepl-keep-db2"), std::string(kSeg2) + "\n");
    EXPECT_FALSE(fs::exists(archive() / kSeg1));
    // db3 is at segment 4, but db2 (stopped, say) still needs 2 and 3.
    EXPECT_EQ(client(std::string("cleanup archive 22 key ") + kSeg4, "db3").status, 0);
    EXPECT_TRUE(fs::exists(archive() / kSeg2));
    EXPECT_TRUE(fs::exists(archive() / kSeg3));
    EXPECT_TRUE(fs::exists(archive() / kSeg4));
    // db2 catches up: now 2 and 3 go.
    EXPECT_EQ(client(std::string("cleanup archive 22 key ") + kSeg4, "db2").status, 0);
    EXPECT_FALSE(fs::exists(archive() / kSeg2));
    EXPECT_FALSE(fs::exists(archive() / kSeg3));
    EXPECT_TRUE(fs::exists(archive() / kSeg4));
    EXPECT_TRUE(fs::exists(archive() / "00000001.history"));
    EXPECT_TRUE(fs::exists(archive() / (std::string(kSeg1) + ".00000028.backup")));
}

TEST_F(WalSshScripts, CleanupWithoutPgArchivecleanupFollowsTheSameRule) {
    // An archive host without PostgreSQL: the script's own implementation of the rule.
    auto script = render_wal_ssh_server();
    const std::string glob = "/usr/lib/postgresql/*/bin/pg_archivecleanup";
    ASSERT_NE(script.find(glob), std::string::npos);
    script.replace(script.find(glob), glob.size(), "/nonexistent/*/pg_archivecleanup");
    write(root() / "wal-ssh-serve", script, fs::perms(0755));
    write(archive() / (std::string(kSeg1) + ".partial"), "p");
    for (const char* name : {kSeg1, kSeg2, kSeg3, kSeg4}) write(archive() / name, name);
    write(archive() / "00000001.history", "h");
    write(archive() / (std::string(kSeg1) + ".00000028.backup"), "b");
    // db2 still needs segment 2: segment 1 goes.
    EXPECT_EQ(client(std::string("cleanup archive 22 key ") + kSeg2, "db2").status, 0);
    EXPECT_EQ(read(archive() / ".pgrepl-keep-db2"), std::string(kSeg2) + "\n");
    EXPECT_FALSE(fs::exists(archive() / kSeg1));
    EXPECT_FALSE(fs::exists(archive() / (std::string(kSeg1) + ".partial")));
    // db3 is at segment 4, but db2 (stopped, say) still needs 2 and 3.
    EXPECT_EQ(client(std::string("cleanup archive 22 key ") + kSeg4, "db3").status, 0);
    EXPECT_TRUE(fs::exists(archive() / kSeg2));
    EXPECT_TRUE(fs::exists(archive() / kSeg3));
    EXPECT_TRUE(fs::exists(archive() / kSeg4));
    // db2 catches up: now 2 and 3 go.
    EXPECT_EQ(client(std::string("cleanup archive 22 key ") + kSeg4, "db2").status, 0);
    EXPECT_FALSE(fs::exists(archive() / kSeg2));
    EXPECT_FALSE(fs::exists(archive() / kSeg3));
    EXPECT_TRUE(fs::exists(archive() / kSeg4));
    EXPECT_TRUE(fs::exists(archive() / "00000001.history"));
    EXPECT_TRUE(fs::exists(archive() / (std::string(kSeg1) + ".00000028.backup")));
}

}  // namespace
}  // namespace pgrepl
