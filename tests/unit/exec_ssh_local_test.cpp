// The SSH executor against a throwaway local sshd: running commands, streams, signals, files,
// a dropped connection, several threads.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <grp.h>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "exec_local_sshd.hpp"
#include "pgrepl/exec/quote.hpp"

namespace pgrepl {
namespace {

namespace fs = std::filesystem;

TEST_F(ExecSshLocal, RunsCommandsOverOneConnection) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    EXPECT_TRUE(fs::exists(server_->dir() / "known" / "known_hosts"));  // accept-new recorded
    auto echo = executor->run(command("cat; echo done; echo oops >&2; exit 7", "hello\n"));
    ASSERT_TRUE(echo) << echo.error().message;
    EXPECT_EQ(echo->out, "hello\ndone\n");
    EXPECT_EQ(echo->err, "oops\n");
    EXPECT_EQ(echo->exit_status, 7);
    EXPECT_FALSE(echo->signal);
    // Every command uses the same TCP connection (same client port).
    std::string first;
    for (int i = 0; i < 8; ++i) {
        auto where = executor->run(command("echo \"$SSH_CONNECTION\"; pwd"));
        ASSERT_TRUE(where);
        EXPECT_TRUE(where->success());
        EXPECT_TRUE(where->out.ends_with("\n/\n")) << where->out;  // cd / first
        if (i == 0) {
            first = where->out;
        }
        EXPECT_EQ(where->out, first);
    }
    EXPECT_EQ(executor->stats().connections, 1);
    EXPECT_EQ(executor->stats().commands, 9);
}

TEST_F(ExecSshLocal, HostileScriptTextIsLiteral) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    const std::string value = "it's $(id) `id` ; && \n * -n";
    auto result = executor->run(command("printf %s " + shell_quote(value)));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->out, value);
}

TEST_F(ExecSshLocal, ManyMegabytesBothWaysWithoutDeadlock) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    std::string input(10 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < input.size(); ++i) {
        input[i] = static_cast<char>((i * 7 + i / 4096) & 0xff);
    }
    // Echoes stdin to both stdout and stderr while it is still being written.
    auto result = executor->run(command("tee /dev/stderr", input));
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->exit_status, 0);
    EXPECT_EQ(result->out.size(), input.size());
    EXPECT_TRUE(result->out == input);
    EXPECT_TRUE(result->err == input);
    // Output only, interleaved on both streams, no stdin.
    auto big = executor->run(command(
        "i=0; while [ $i -lt 4 ]; do head -c 3000000 /dev/zero; head -c 1000000 /dev/zero >&2; "
        "i=$((i+1)); done"));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->out.size(), 12000000u);
    EXPECT_EQ(big->err.size(), 4000000u);
}

TEST_F(ExecSshLocal, CommandThatIgnoresItsInput) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    auto result = executor->run(command("exec 0<&-; echo ignored", std::string(8 << 20, 'x')));
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->out, "ignored\n");
    auto after = executor->run(command("echo still usable"));
    ASSERT_TRUE(after);
    EXPECT_EQ(after->out, "still usable\n");
}

TEST_F(ExecSshLocal, StderrIsObservedWhileTheCommandRuns) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    std::vector<std::string> chunks;
    Command progress = command("echo 10% >&2; sleep 1; echo 100% >&2; echo out");
    progress.on_stderr = [&chunks](std::string_view chunk) { chunks.emplace_back(chunk); };
    auto result = executor->run(progress);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->out, "out\n");
    EXPECT_EQ(result->err, "10%\n100%\n");
    std::string joined;
    for (const std::string& chunk : chunks) {
        joined += chunk;
    }
    EXPECT_EQ(joined, result->err);
    ASSERT_GE(chunks.size(), 2u);  // the first line arrived before the command ended
    EXPECT_EQ(chunks.front(), "10%\n");
}

TEST_F(ExecSshLocal, SignalIsReported) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    auto killed = executor->run(command("echo before; kill -KILL $$"));
    ASSERT_TRUE(killed) << killed.error().message;
    EXPECT_EQ(killed->signal, std::optional<std::string>("KILL"));
    EXPECT_EQ(killed->exit_status, -1);
    EXPECT_FALSE(killed->success());
    EXPECT_EQ(killed->out, "before\n");
    auto termed = executor->run(command("kill -TERM $$"));
    ASSERT_TRUE(termed);
    EXPECT_EQ(termed->signal, std::optional<std::string>("TERM"));
}

TEST_F(ExecSshLocal, WritesAndReadsFiles) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    FileSpec file;
    file.path = (server_->dir() / "conf dir" / "it's.conf").string();
    file.content = std::string("a = 'b'\n$(x)\0\xff\n", 15);
    file.mode = 0640;
    file.owner = server_->user();
    const group* primary = getgrgid(getegid());
    ASSERT_NE(primary, nullptr);
    file.group = primary->gr_name;
    fs::create_directories(server_->dir() / "conf dir");
    ASSERT_TRUE(executor->write_file(file));
    EXPECT_EQ(slurp_file(file.path), file.content);
    struct stat info {};
    ASSERT_EQ(stat(file.path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0640u);
    auto read = executor->read_file(file.path);
    ASSERT_TRUE(read);
    ASSERT_TRUE(*read);
    EXPECT_EQ(**read, file.content);
    auto missing = executor->read_file((server_->dir() / "missing").string());
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
    auto directory = executor->read_file(server_->dir().string());
    ASSERT_FALSE(directory);
    EXPECT_EQ(directory.error().kind, ErrorKind::Remote);
    FileSpec nowhere = file;
    nowhere.path = (server_->dir() / "no-dir" / "x").string();
    auto status = executor->write_file(nowhere);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().kind, ErrorKind::Remote);
}

TEST_F(ExecSshLocal, DroppedConnectionIsAConnectError) {
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    // Kill this connection's sshd process (the parent of the command's shell).
    auto dropped = executor->run(command("kill -KILL $PPID; sleep 5"));
    ASSERT_FALSE(dropped);
    EXPECT_EQ(dropped.error().kind, ErrorKind::Connect) << dropped.error().message;
    auto again = executor->run(command("true"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::Connect);
}

TEST_F(ExecSshLocal, HostsOnSeveralThreads) {
    std::vector<std::thread> threads;
    std::vector<std::string> outputs(4);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([this, t, &outputs] {
            auto executor = connect_ssh(server_->host());
            if (!executor) {
                outputs[t] = executor.error().message;
                return;
            }
            for (int i = 0; i < 3; ++i) {
                auto result = (*executor)->run(command("head -c 100000 /dev/zero | wc -c"));
                outputs[t] += result ? result->out : result.error().message;
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    for (const std::string& output : outputs) {
        EXPECT_EQ(output, "100000\n100000\n100000\n");
    }
}

}  // namespace
}  // namespace pgrepl
