// The SSH executor against real hosts: commands, exit codes, output, stdin, files.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "lab.hpp"
#include "pgrepl/exec/ssh_executor.hpp"

namespace pgrepl::e2e {
namespace {

using std::chrono::steady_clock;

TEST(Exec, RunsCommandsOnThreeHostsInParallel) {
    const Inventory inventory = lab_inventory();
    ASSERT_EQ(inventory.hosts.size(), 3U);
    std::vector<std::string> outputs(3);
    std::vector<std::string> errors(3);
    const auto start = steady_clock::now();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < 3; ++i) {
        threads.emplace_back([&, i] {
            Result<std::unique_ptr<Executor>> executor = connect_ssh(inventory.hosts[i]);
            if (!executor) {
                errors[i] = explain(executor.error());
                return;
            }
            Command command;
            command.script = "sleep 2; hostname";
            command.purpose = "parallel test";
            Result<CommandResult> result = (*executor)->run(command);
            if (!result) {
                errors[i] = explain(result.error());
                return;
            }
            outputs[i] = result->out;
        });
    }
    for (std::thread& thread : threads) thread.join();
    const auto elapsed = steady_clock::now() - start;
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(errors[i], "");
        EXPECT_EQ(outputs[i], inventory.hosts[i].name + "\n");
    }
    // Three 2-second commands one after the other would take at least 6 s.
    EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(Exec, ReportsExitStatus) {
    auto db1 = connect_or_fail(lab_host("db1"));
    ASSERT_TRUE(db1);
    CommandResult ok = run_or_fail(*db1, "true");
    EXPECT_EQ(ok.exit_status, 0);
    EXPECT_TRUE(ok.success());
    CommandResult three = run_or_fail(*db1, "echo before; exit 3");
    EXPECT_EQ(three.exit_status, 3);
    EXPECT_FALSE(three.success());
    EXPECT_EQ(three.out, "before\n");
    EXPECT_EQ(run_or_fail(*db1, "exit 255").exit_status, 255);
    CommandResult missing = run_or_fail(*db1, "no-such-command-anywhere");
    EXPECT_EQ(missing.exit_status, 127);
    EXPECT_NE(missing.err.find("no-such-command-anywhere"), std::string::npos) << missing.err;
}

TEST(Exec, ReportsDeathBySignal) {
    auto db1 = connect_or_fail(lab_host("db1"));
    ASSERT_TRUE(db1);
    CommandResult killed = run_or_fail(*db1, "kill -KILL $$");
    EXPECT_FALSE(killed.success());
    EXPECT_EQ(killed.exit_status, -1);
    EXPECT_EQ(killed.signal.value_or("(none)"), "KILL");
}

TEST(Exec, KeepsStdoutAndStderrApart) {
    auto db2 = connect_or_fail(lab_host("db2"));
    ASSERT_TRUE(db2);
    CommandResult result =
        run_or_fail(*db2, "echo out1; echo err1 >&2; printf 'out2'; printf 'err2\\n' >&2");
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.out, "out1\nout2");
    EXPECT_EQ(result.err, "err1\nerr2\n");
}

TEST(Exec, CapturesTenMegabytesOnBothStreams) {
    auto db3 = connect_or_fail(lab_host("db3"));
    ASSERT_TRUE(db3);
    constexpr std::size_t ten_mb = 10 * 1024 * 1024;
    // Both streams at once: a reader that drains only one of them would deadlock.
    CommandResult result = run_or_fail(*db3,
                                       "head -c 10485760 /dev/zero | tr '\\000' o & head -c "
                                       "10485760 /dev/zero | tr '\\000' e >&2; "
                                       "wait");
    EXPECT_EQ(result.exit_status, 0);
    ASSERT_EQ(result.out.size(), ten_mb);
    ASSERT_EQ(result.err.size(), ten_mb);
    EXPECT_EQ(result.out, std::string(ten_mb, 'o'));
    EXPECT_EQ(result.err, std::string(ten_mb, 'e'));
}

TEST(Exec, FeedsStdin) {
    auto db1 = connect_or_fail(lab_host("db1"));
    ASSERT_TRUE(db1);
    std::string data;
    for (int i = 0; data.size() < 3 * 1024 * 1024; ++i) {
        data += "line " + std::to_string(i) + " with 'quotes', $dollars and \\backslashes\n";
    }
    data.push_back('\0');
    data += "after a NUL byte";
    CommandResult echoed = run_or_fail(*db1, "cat", RunAs::Admin, data);
    EXPECT_EQ(echoed.exit_status, 0);
    EXPECT_EQ(echoed.out.size(), data.size());
    EXPECT_TRUE(echoed.out == data);
    CommandResult counted = run_or_fail(*db1, "wc -c", RunAs::Admin, data);
    EXPECT_EQ(counted.out, std::to_string(data.size()) + "\n");
    // Without stdin data the command must see end of file at once, not hang.
    CommandResult empty = run_or_fail(*db1, "cat; echo done");
    EXPECT_EQ(empty.out, "done\n");
}

TEST(Exec, WritesFilesWithModeAndOwner) {
    auto db2 = connect_or_fail(lab_host("db2"));
    ASSERT_TRUE(db2);
    const std::string path = "/etc/postgresql/pgrepl-e2e-write.conf";
    const std::string content = "# it's a test\nkey = 'value with $(no expansion) `x`'\n\x01\x02";
    FileSpec file;
    file.path = path;
    file.content = content;
    file.mode = 0640;
    file.owner = "postgres";
    file.group = "postgres";
    Status written = db2->write_file(file);
    ASSERT_TRUE(written.ok()) << explain(written.error());
    ProcessResult stat = lab_shell("db2", "stat -c '%a %U %G %s' " + path);
    EXPECT_EQ(stat.out, "640 postgres postgres " + std::to_string(content.size()) + "\n")
        << stat.describe();
    Result<std::optional<std::string>> read = db2->read_file(path);
    ASSERT_TRUE(read.ok()) << explain(read.error());
    EXPECT_EQ(read->value_or("(missing)"), content);
    Result<std::optional<std::string>> as_postgres = db2->read_file(path, RunAs::Postgres);
    ASSERT_TRUE(as_postgres.ok()) << explain(as_postgres.error());
    EXPECT_EQ(as_postgres->value_or("(missing)"), content);

    // Overwriting changes content, mode and owner; no temporary file is left behind.
    file.content = "second\n";
    file.mode = 0600;
    file.owner = "root";
    file.group = "root";
    written = db2->write_file(file);
    ASSERT_TRUE(written.ok()) << explain(written.error());
    stat = lab_shell("db2", "stat -c '%a %U %G' " + path + "; cat " + path +
                                "; ls -a /etc/postgresql | grep -c pgrepl-e2e-write");
    EXPECT_EQ(stat.out, "600 root root\nsecond\n1\n") << stat.describe();
    // The file exists on db2 only.
    EXPECT_EQ(lab_shell("db1", "test -e " + path).exit_code, 1);
    lab_shell("db2", "rm -f " + path);
}

TEST(Exec, ReadsMissingFileAsNothing) {
    auto db1 = connect_or_fail(lab_host("db1"));
    ASSERT_TRUE(db1);
    Result<std::optional<std::string>> read = db1->read_file("/etc/postgresql/no-such-file");
    ASSERT_TRUE(read.ok()) << explain(read.error());
    EXPECT_FALSE(read->has_value());
}

TEST(Exec, ReusesOneSession) {
    auto db3 = connect_or_fail(lab_host("db3"));
    ASSERT_TRUE(db3);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(run_or_fail(*db3, "echo " + std::to_string(i)).out, std::to_string(i) + "\n");
    }
    EXPECT_EQ(db3->stats().connections, 1);
    EXPECT_EQ(db3->stats().commands, 5);
    EXPECT_EQ(db3->host_name(), "db3");
}

}  // namespace
}  // namespace pgrepl::e2e
