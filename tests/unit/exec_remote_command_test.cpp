#include "exec/remote_command.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pgrepl/exec/quote.hpp"

namespace pgrepl {
namespace {

namespace fs = std::filesystem;

TEST(ExecRemoteCommand, WrapperForRoot) {
    EXPECT_EQ(remote_command_line("root", Become::Auto, RunAs::Admin, "id -u"),
              "cd / && exec sh -c 'id -u'");
    EXPECT_EQ(remote_command_line("root", Become::Auto, RunAs::Postgres, "id -u"),
              "cd / && exec runuser -u postgres -- sh -c 'id -u'");
    EXPECT_EQ(remote_command_line("root", Become::Never, RunAs::Postgres, "id -u"),
              "cd / && exec runuser -u postgres -- sh -c 'id -u'");
}

TEST(ExecRemoteCommand, WhileTheHostLockIsHeldEveryCommandHoldsItShared) {
    EXPECT_EQ(locked_command_line("root", Become::Auto, RunAs::Admin, "id -u"),
              "cd / && exec flock -s -o /run/pgrepl/active sh -c 'id -u'");
    EXPECT_EQ(locked_command_line("root", Become::Auto, RunAs::Postgres, "id -u"),
              "cd / && exec flock -s -o /run/pgrepl/active runuser -u postgres -- sh -c 'id -u'");
    EXPECT_EQ(locked_command_line("deploy", Become::Auto, RunAs::Postgres, "it's"),
              "cd / && exec sudo -n -- flock -s -o /run/pgrepl/active runuser -u postgres -- sh "
              "-c 'it'\\''s'");
    EXPECT_EQ(locked_command_line("postgres", Become::Never, RunAs::Postgres, "id -u"),
              "cd / && exec flock -s -o \"$HOME/.pgrepl/$(uname -n)\"/active sh -c 'id -u'");
}

TEST(ExecRemoteCommand, WrapperForOtherUsers) {
    EXPECT_EQ(remote_command_line("deploy", Become::Auto, RunAs::Admin, "id -u"),
              "cd / && exec sudo -n -- sh -c 'id -u'");
    EXPECT_EQ(remote_command_line("deploy", Become::Auto, RunAs::Postgres, "it's"),
              "cd / && exec sudo -n -u postgres -- sh -c 'it'\\''s'");
    EXPECT_EQ(remote_command_line("deploy", Become::Never, RunAs::Admin, "id -u"),
              "cd / && exec sh -c 'id -u'");
    EXPECT_EQ(remote_command_line("postgres", Become::Never, RunAs::Postgres, "id -u"),
              "cd / && exec sh -c 'id -u'");
    EXPECT_EQ(wrapper_kind("deploy", Become::Auto, RunAs::Admin), WrapperKind::Sudo);
    EXPECT_EQ(wrapper_kind("root", Become::Auto, RunAs::Postgres), WrapperKind::Runuser);
}

TEST(ExecRemoteCommand, SudoPasswordIsSudoError) {
    const CommandResult result{1, std::nullopt, "", "sudo: a password is required\n", {}};
    const auto error = sudo_failure(WrapperKind::Sudo, result, "db1", "probe", "deploy");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, ErrorKind::Sudo);
    EXPECT_NE(describe(*error).find("db1: probe"), std::string::npos);
    EXPECT_NE(error->hint.find("NOPASSWD"), std::string::npos);
    EXPECT_NE(error->hint.find("ssh.user: root"), std::string::npos);
    // Without sudo in the wrapper, the same text is just the command's own failure.
    EXPECT_FALSE(sudo_failure(WrapperKind::None, result, "db1", "probe", "root"));
    const CommandResult other{1, std::nullopt, "", "grep: no match\n", {}};
    EXPECT_FALSE(sudo_failure(WrapperKind::Sudo, other, "db1", "probe", "deploy"));
    const CommandResult missing{127, std::nullopt, "", "sh: 1: sudo: not found\n", {}};
    EXPECT_TRUE(sudo_failure(WrapperKind::Sudo, missing, "db1", "probe", "deploy"));
}

TEST(ExecRemoteCommand, ExpandHome) {
    const char* home = std::getenv("HOME");
    ASSERT_NE(home, nullptr);
    EXPECT_EQ(expand_home("~/.ssh/known_hosts"), std::string(home) + "/.ssh/known_hosts");
    EXPECT_EQ(expand_home("~"), std::string(home));
    EXPECT_EQ(expand_home("/etc/x"), "/etc/x");
    EXPECT_EQ(expand_home("~other/x"), "~other/x");
    EXPECT_EQ(expand_home("a/~/b"), "a/~/b");
}

TEST(ExecRemoteCommand, SummarizeStderr) {
    EXPECT_EQ(summarize_stderr(""), "(no error output)");
    EXPECT_EQ(summarize_stderr("  a\nb\n"), "a | b");
    EXPECT_LE(summarize_stderr(std::string(1000, 'x')).size(), 310u);
    EXPECT_EQ(one_line("a\nb", 100), "a\\nb");
}

/// A temporary directory removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "pgrepl-exec-XXXXXX").string();
        path_ = mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

/// Runs a script locally with /bin/sh, feeding `input`; returns the exit status.
int run_local(const std::string& script, const std::string& input, const fs::path& dir) {
    const fs::path input_file = dir / "stdin.bin";
    std::ofstream(input_file, std::ios::binary) << input;
    const std::string command = "sh -c " + shell_quote(script) + " < " +
                                shell_quote(input_file.string()) + " > " +
                                shell_quote((dir / "stdout.bin").string()) + " 2>/dev/null";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string current_user_and_group(bool group) {
    FILE* pipe = popen(group ? "id -gn" : "id -un", "r");
    char buffer[256] = {};
    std::string name = std::fgets(buffer, sizeof buffer, pipe) != nullptr ? buffer : "";
    pclose(pipe);
    while (!name.empty() && name.back() == '\n') {
        name.pop_back();
    }
    return name;
}

TEST(ExecRemoteCommand, WriteFileScriptIsAtomicAndExact) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "it's a $(dir)";
    fs::create_directories(dir);
    FileSpec file;
    file.path = (dir / "pg'hba.conf").string();
    file.content = std::string("line 1\n'quoted' $(x) `y`\n\0binary\xff", 34);
    file.mode = 0640;
    file.owner = current_user_and_group(false);
    file.group = current_user_and_group(true);
    ASSERT_EQ(run_local(write_file_script(file), file.content, tmp.path()), 0);
    EXPECT_EQ(slurp(file.path), file.content);
    struct stat info {};
    ASSERT_EQ(stat(file.path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0640u);
    // Overwrite: same path, new content and mode; no temporary file is left behind.
    file.content = "second\n";
    file.mode = 0600;
    ASSERT_EQ(run_local(write_file_script(file), file.content, tmp.path()), 0);
    EXPECT_EQ(slurp(file.path), "second\n");
    ASSERT_EQ(stat(file.path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0600u);
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) {
        ++entries;
    }
    EXPECT_EQ(entries, 1);
}

TEST(ExecRemoteCommand, WriteFileScriptFailsCleanly) {
    TempDir tmp;
    FileSpec file;
    file.path = (tmp.path() / "no-such-dir" / "x.conf").string();
    file.owner = current_user_and_group(false);
    file.group = current_user_and_group(true);
    EXPECT_NE(run_local(write_file_script(file), "x", tmp.path()), 0);
    // A bad owner: the temporary file is removed again, the target is not created.
    file.path = (tmp.path() / "x.conf").string();
    file.owner = "no-such-user-pgrepl";
    EXPECT_NE(run_local(write_file_script(file), "x", tmp.path()), 0);
    EXPECT_FALSE(fs::exists(file.path));
    int entries = 0;
    for (const auto& entry : fs::directory_iterator(tmp.path())) {
        entries += entry.path().filename().string().starts_with(".x.conf") ? 1 : 0;
    }
    EXPECT_EQ(entries, 0);
    // A directory in the way is not replaced.
    fs::create_directories(tmp.path() / "d");
    file.path = (tmp.path() / "d").string();
    file.owner = current_user_and_group(false);
    EXPECT_NE(run_local(write_file_script(file), "x", tmp.path()), 0);
    EXPECT_TRUE(fs::is_directory(tmp.path() / "d"));
}

TEST(ExecRemoteCommand, ReadFileScript) {
    TempDir tmp;
    const fs::path present = tmp.path() / "a b'c";
    std::ofstream(present, std::ios::binary) << std::string("x\0y\n", 4);
    EXPECT_EQ(run_local(read_file_script(present.string()), "", tmp.path()), 0);
    EXPECT_EQ(slurp(tmp.path() / "stdout.bin"), std::string("x\0y\n", 4));
    EXPECT_EQ(run_local(read_file_script((tmp.path() / "missing").string()), "", tmp.path()),
              kReadFileMissingStatus);
    // A directory is an error, not "missing".
    const int status = run_local(read_file_script(tmp.path().string()), "", tmp.path());
    EXPECT_NE(status, 0);
    EXPECT_NE(status, kReadFileMissingStatus);
}

}  // namespace
}  // namespace pgrepl
