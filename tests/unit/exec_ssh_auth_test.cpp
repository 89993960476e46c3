// The SSH executor against a throwaway local sshd: host keys, authentication, connection
// failures, privilege wrappers (runuser, sudo) and ~/.ssh/config precedence.
#include <pwd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "exec_local_sshd.hpp"

namespace pgrepl {
namespace {

namespace fs = std::filesystem;

TEST_F(ExecSshLocal, StrictRefusesAnUnknownKey) {
    Host host = server_->host();
    host.ssh.host_key_checking = HostKeyChecking::Strict;
    auto executor = connect_ssh(host);
    ASSERT_FALSE(executor);
    EXPECT_EQ(executor.error().kind, ErrorKind::HostKey);
    EXPECT_NE(executor.error().message.find(key_file_fingerprint(server_->dir() / "host_key.pub")),
              std::string::npos)
        << executor.error().message;
    EXPECT_NE(executor.error().hint.find("accept-new"), std::string::npos);
    EXPECT_FALSE(fs::exists(server_->dir() / "known" / "known_hosts"));
}

TEST_F(ExecSshLocal, ChangedKeyIsAlwaysRefused) {
    // known_hosts records another key for [127.0.0.1]:port.
    fs::create_directories(server_->dir() / "known");
    const std::string other = slurp_file(server_->dir() / "other_key.pub");
    std::ofstream(server_->dir() / "known" / "known_hosts")
        << "# a comment\n[127.0.0.1]:" << server_->port() << " " << other;
    for (HostKeyChecking checking : {HostKeyChecking::Strict, HostKeyChecking::AcceptNew}) {
        Host host = server_->host();
        host.ssh.host_key_checking = checking;
        auto executor = connect_ssh(host);
        ASSERT_FALSE(executor);
        const Error& error = executor.error();
        EXPECT_EQ(error.kind, ErrorKind::HostKey);
        EXPECT_NE(error.message.find("CHANGED"), std::string::npos) << error.message;
        EXPECT_NE(error.message.find(key_file_fingerprint(server_->dir() / "host_key.pub")),
                  std::string::npos)
            << error.message;
        EXPECT_NE(error.message.find(key_file_fingerprint(server_->dir() / "other_key.pub")),
                  std::string::npos)
            << error.message;
        EXPECT_NE(error.message.find("line 2"), std::string::npos) << error.message;
        EXPECT_NE(error.hint.find("ssh-keygen -R"), std::string::npos) << error.hint;
    }
}

TEST_F(ExecSshLocal, HostKeyIsTheKeyTheServerShowed) {
    const std::string pub = slurp_file(server_->dir() / "host_key.pub");
    const std::string served = pub.substr(0, pub.find(' ', pub.find(' ') + 1));  // TYPE BASE64
    ASSERT_TRUE(served.starts_with("ssh-")) << pub;
    // First under accept-new (recorded), then strictly against what was recorded.
    for (HostKeyChecking checking : {HostKeyChecking::AcceptNew, HostKeyChecking::Strict}) {
        Host host = server_->host();
        host.ssh.host_key_checking = checking;
        auto executor = connect(host);
        ASSERT_TRUE(executor);
        auto key = executor->host_key();
        ASSERT_TRUE(key) << key.error().message;
        EXPECT_EQ(*key, served);
    }
}

TEST_F(ExecSshLocal, UnauthorizedKeyIsAnAuthError) {
    Host host = server_->host();
    host.ssh.identity_file = (server_->dir() / "other_key").string();
    auto executor = connect_ssh(host);
    ASSERT_FALSE(executor);
    EXPECT_EQ(executor.error().kind, ErrorKind::Auth);
    EXPECT_NE(executor.error().message.find(server_->user() + "@127.0.0.1"), std::string::npos)
        << executor.error().message;
    EXPECT_NE(executor.error().message.find("other_key"), std::string::npos);
}

TEST_F(ExecSshLocal, NothingListeningIsAConnectError) {
    Host host = server_->host();
    host.ssh.port = free_local_port();
    auto executor = connect_ssh(host);
    ASSERT_FALSE(executor);
    EXPECT_EQ(executor.error().kind, ErrorKind::Connect);
    EXPECT_NE(executor.error().message.find("127.0.0.1:" + std::to_string(host.ssh.port)),
              std::string::npos)
        << executor.error().message;
}

/// True when the machine has a postgres user and we are root (to log in as it, and runuser).
bool have_postgres_user() {
    return geteuid() == 0 && getpwnam("postgres") != nullptr;
}

TEST_F(ExecSshLocal, RunAsPostgresThroughRunuser) {
    if (!have_postgres_user() || server_->user() != "root") {
        GTEST_SKIP() << "needs root and a postgres user";
    }
    auto executor = connect(server_->host());
    ASSERT_TRUE(executor);
    Command id = command("id -un; pwd");
    id.run_as = RunAs::Postgres;
    auto result = executor->run(id);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->out, "postgres\n/\n");
}

TEST_F(ExecSshLocal, SudoWantingAPasswordIsASudoError) {
    if (!have_postgres_user()) {
        GTEST_SKIP() << "needs root and a postgres user (without sudo rights)";
    }
    Host host = server_->host();
    host.ssh.user = "postgres";
    auto executor = connect(host);
    ASSERT_TRUE(executor);
    auto refused = executor->run(command("id -un"));  // as Admin: sudo -n
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::Sudo) << refused.error().message;
    EXPECT_NE(describe(refused.error()).find("local: test"), std::string::npos);
    EXPECT_NE(refused.error().hint.find("postgres passwordless sudo (a NOPASSWD"),
              std::string::npos)
        << refused.error().hint;
    // become: never runs the command as the SSH user itself.
    host.ssh.become = Become::Never;
    auto plain = connect(host);
    ASSERT_TRUE(plain);
    auto result = plain->run(command("id -un"));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->out, "postgres\n");
}

/// In a child process with a private mount namespace whose home directory is `fake_home`
/// (so that libssh reads fake_home/.ssh/config), runs `body`; its return value is the child's
/// exit status. Returns -1 when this cannot be arranged (not root, no namespaces).
template <typename Body>
int in_fake_home(const fs::path& fake_home, Body body) {
    const passwd* entry = getpwuid(geteuid());
    if (geteuid() != 0 || entry == nullptr) {
        return -1;
    }
    const std::string home = entry->pw_dir;
    const pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0 ||
            mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            mount(fake_home.c_str(), home.c_str(), nullptr, MS_BIND, nullptr) != 0) {
            _exit(100);
        }
        _exit(body());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 100) {
        return -1;
    }
    return WEXITSTATUS(status);
}

TEST_F(ExecSshLocal, SshConfigCannotWeakenTheInventoryOptions) {
    const fs::path fake_home = server_->dir() / "home";
    fs::create_directories(fake_home / ".ssh");
    std::ofstream(fake_home / ".ssh" / "config")
        << "Host 127.0.0.1\n  User nobody\n  Port 1\n  StrictHostKeyChecking no\n"
        << "  UserKnownHostsFile /dev/null\n  GlobalKnownHostsFile /dev/null\n"
        << "Host pgrepl-alias\n  HostName 127.0.0.1\n";
    Host host = server_->host();
    const int status = in_fake_home(fake_home, [&] {
        // Strict: the config's "StrictHostKeyChecking no" must not let an unknown key in.
        Host strict = host;
        strict.ssh.host_key_checking = HostKeyChecking::Strict;
        auto refused = connect_ssh(strict);
        if (refused || refused.error().kind != ErrorKind::HostKey) {
            return 1;
        }
        // Accept-new: records the key in the inventory's file, logs in as the inventory's user
        // on the inventory's port (not nobody, not port 1).
        auto executor = connect_ssh(host);
        if (!executor) {
            return 2;
        }
        Command id;
        id.script = "id -un; echo \"$SSH_CONNECTION\"";
        id.purpose = "id";
        auto result = (*executor)->run(id);
        if (!result || result->out.find(server_->user() + "\n") != 0 ||
            !result->out.ends_with(" " + std::to_string(server_->port()) + "\n")) {
            return 3;
        }
        // A HostName alias from the config is honoured.
        Host alias = host;
        alias.address = "pgrepl-alias";
        return connect_ssh(alias) ? 0 : 4;
    });
    if (status < 0) {
        GTEST_SKIP() << "needs root and mount namespaces";
    }
    EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace pgrepl
