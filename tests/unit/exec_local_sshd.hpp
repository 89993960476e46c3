// A throwaway sshd on 127.0.0.1 for the SSH executor's tests: its own host key, client keys,
// authorized_keys and port, in a temporary directory; and the test fixture that starts one.
#pragma once

#include <sys/types.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "pgrepl/exec/ssh_executor.hpp"

namespace pgrepl {

/// The whole content of a file ("" when unreadable).
std::string slurp_file(const std::filesystem::path& path);

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_local_port();

/// The SHA256 fingerprint of a public key file, as `ssh-keygen -l` prints it ("SHA256:...").
std::string key_file_fingerprint(const std::filesystem::path& public_key);

/// A throwaway sshd listening on 127.0.0.1 (UsePAM yes, StrictModes no, keys only), killed and
/// its directory removed on destruction. Files in dir(): host_key(.pub), client_key(.pub) (in
/// authorized_keys, for every user), other_key(.pub) (not authorized), sshd.log.
class LocalSshd {
  public:
    /// Starts sshd, or returns nullptr with the reason in `why_not`. As root, creates /run/sshd
    /// when missing (sshd's privilege separation directory).
    static std::unique_ptr<LocalSshd> start(std::string& why_not);
    /// Stops sshd and removes the directory.
    ~LocalSshd();
    LocalSshd(const LocalSshd&) = delete;
    LocalSshd& operator=(const LocalSshd&) = delete;

    /// A Host for this server: the current user, client_key, known_hosts in dir()/known/
    /// (not yet existing), host_key_checking accept-new, a 5 s connect timeout.
    Host host() const;
    /// The temporary directory.
    const std::filesystem::path& dir() const { return dir_; }
    /// The listening port.
    int port() const { return port_; }
    /// The current user's name (who the tests log in as by default).
    const std::string& user() const { return user_; }

  private:
    LocalSshd();

    std::filesystem::path dir_;
    int port_ = 0;
    pid_t pid_ = 0;
    std::string user_;
};

/// A fixture with a fresh LocalSshd per test; skips the test when sshd cannot be started or
/// PGREPL_SKIP_LOCAL_SSHD=1.
class ExecSshLocal : public ::testing::Test {
  protected:
    void SetUp() override;

    /// connect_ssh(host), adding a test failure (and returning nullptr) when it fails.
    std::unique_ptr<Executor> connect(const Host& host);

    /// A read-only command run as Admin with purpose "test".
    static Command command(std::string script, std::string stdin_data = {});

    std::unique_ptr<LocalSshd> server_;  ///< the server of the current test
};

}  // namespace pgrepl
