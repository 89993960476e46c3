// SSH connection handling against real hosts: host keys, authentication, unreachable hosts,
// and the isolation of the lab's hosts from each other.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "lab.hpp"
#include "pgrepl/exec/ssh_executor.hpp"

namespace pgrepl::e2e {
namespace {

using std::chrono::steady_clock;

/// The base64 part of a host's current public host key.
std::string host_key_base64(const std::string& host) {
    const std::string pub = read_local_file(lab_path(host + "/ssh_host_ed25519_key.pub"));
    const auto first = pub.find(' ');
    const auto second = pub.find(' ', first + 1);
    return pub.substr(first + 1, second - first - 1);
}

/// Connects and expects an error of `kind` mentioning the host's name.
Error expect_connect_error(const Host& host, ErrorKind kind) {
    Result<std::unique_ptr<Executor>> connected = connect_ssh(host);
    if (connected.ok()) {
        ADD_FAILURE() << host.name << ": connected, expected a " << to_string(kind) << " error";
        return {};
    }
    EXPECT_EQ(connected.error().kind, kind) << explain(connected.error());
    EXPECT_NE(describe(connected.error()).find(host.name), std::string::npos)
        << "the message does not name the host: " << describe(connected.error());
    return connected.error();
}

/// Plugs a host's link back in when the test ends, however it ends.
struct LinkRestorer {
    std::string host;
    ~LinkRestorer() { run_lab({"link", host, "up"}); }
};

TEST(HostKey, UnknownKeyRefusedWhenStrict) {
    TempDir tmp;
    write_local_file(tmp.file("known_hosts"), "");
    Host host = lab_host("db1");
    host.ssh.known_hosts = tmp.file("known_hosts");
    host.ssh.host_key_checking = HostKeyChecking::Strict;
    expect_connect_error(host, ErrorKind::HostKey);
    EXPECT_EQ(read_local_file(tmp.file("known_hosts")), "") << "strict must not record keys";
}

TEST(HostKey, UnknownKeyRecordedWhenAcceptNew) {
    TempDir tmp;
    write_local_file(tmp.file("known_hosts"), "");
    Host host = lab_host("db2");
    host.ssh.known_hosts = tmp.file("known_hosts");
    host.ssh.host_key_checking = HostKeyChecking::AcceptNew;
    {
        auto db2 = connect_or_fail(host);
        ASSERT_TRUE(db2);
        EXPECT_EQ(run_or_fail(*db2, "hostname").out, "db2\n");
    }
    const std::string recorded = read_local_file(tmp.file("known_hosts"));
    EXPECT_NE(recorded.find(host_key_base64("db2")), std::string::npos) << recorded;
    // The recorded key is then good enough for strict checking.
    host.ssh.host_key_checking = HostKeyChecking::Strict;
    auto again = connect_or_fail(host);
    EXPECT_TRUE(again);
}

TEST(HostKey, ChangedKeyRefusedEvenWhenAcceptNew) {
    TempDir tmp;
    write_local_file(tmp.file("known_hosts"), read_local_file(lab_path("known_hosts")));
    Host host = lab_host("db2");
    host.ssh.known_hosts = tmp.file("known_hosts");
    ASSERT_TRUE(connect_or_fail(host)) << "db2 must be reachable before the key changes";

    const ProcessResult rekey = run_lab({"rekey", "db2"});
    ASSERT_EQ(rekey.exit_code, 0) << rekey.describe();
    host.ssh.host_key_checking = HostKeyChecking::Strict;
    expect_connect_error(host, ErrorKind::HostKey);
    host.ssh.host_key_checking = HostKeyChecking::AcceptNew;
    const Error error = expect_connect_error(host, ErrorKind::HostKey);
    EXPECT_FALSE(error.hint.empty());
    EXPECT_EQ(read_local_file(tmp.file("known_hosts")), read_local_file(lab_path("known_hosts")))
        << "a changed key must never be written to known_hosts";

    // Trust the new key again so that the lab is usable by the next tests.
    const ProcessResult restore = run_lab({"known-hosts"});
    ASSERT_EQ(restore.exit_code, 0) << restore.describe();
    EXPECT_TRUE(connect_or_fail(lab_host("db2")));
}

TEST(Auth, WrongClientKeyIsAnAuthError) {
    Host host = lab_host("db1");
    host.ssh.identity_file = lab_path("other_id_ed25519");
    const Error error = expect_connect_error(host, ErrorKind::Auth);
    EXPECT_FALSE(error.hint.empty());
}

TEST(Auth, UnknownUserIsAnAuthError) {
    Host host = lab_host("db3");
    host.ssh.user = "no-such-user";
    expect_connect_error(host, ErrorKind::Auth);
}

TEST(Connect, UnreachableAddressFailsWithinTheTimeout) {
    Host host = lab_host("db1");
    host.name = "ghost";
    host.address = "10.231.0.99";
    host.ssh.connect_timeout = 2;
    const auto start = steady_clock::now();
    expect_connect_error(host, ErrorKind::Connect);
    EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Connect, HostWithLinkDownFailsWithinTheTimeout) {
    LinkRestorer restorer{"db3"};
    const ProcessResult down = run_lab({"link", "db3", "down"});
    ASSERT_EQ(down.exit_code, 0) << down.describe();
    Host host = lab_host("db3");
    host.ssh.connect_timeout = 2;
    const auto start = steady_clock::now();
    expect_connect_error(host, ErrorKind::Connect);
    EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Connect, StoppedHostFailsAndComesBack) {
    const ProcessResult stop = run_lab({"stop-host", "db3"});
    ASSERT_EQ(stop.exit_code, 0) << stop.describe();
    Host host = lab_host("db3");
    host.ssh.connect_timeout = 2;
    const auto start = steady_clock::now();
    expect_connect_error(host, ErrorKind::Connect);
    EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
    const ProcessResult boot = run_lab({"start-host", "db3"});
    ASSERT_EQ(boot.exit_code, 0) << boot.describe();
    auto db3 = connect_or_fail(lab_host("db3"));
    ASSERT_TRUE(db3);
    EXPECT_EQ(run_or_fail(*db3, "hostname").out, "db3\n");
}

TEST(Connect, ClosedPortIsRefusedAtOnce) {
    Host host = lab_host("db2");
    host.ssh.port = 2222;
    const auto start = steady_clock::now();
    expect_connect_error(host, ErrorKind::Connect);
    EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(Isolation, HostsSeeOnlyTheirOwnProcessesAndFiles) {
    auto db1 = connect_or_fail(lab_host("db1"));
    auto db2 = connect_or_fail(lab_host("db2"));
    ASSERT_TRUE(db1 && db2);
    const CommandResult ps = run_or_fail(*db1, "ps -eo args");
    EXPECT_NE(ps.out.find("/db1/sshd_config"), std::string::npos) << ps.out;
    EXPECT_EQ(ps.out.find("/db2/sshd_config"), std::string::npos) << ps.out;
    EXPECT_EQ(ps.out.find("/db3/sshd_config"), std::string::npos) << ps.out;
    const CommandResult init = run_or_fail(*db1, "tr '\\0' ' ' </proc/1/cmdline");
    EXPECT_NE(init.out.find("__init db1"), std::string::npos) << init.out;

    const Status written =
        db1->write_file(FileSpec{.path = "/var/lib/postgresql/pgrepl-e2e-iso", .content = "db1"});
    ASSERT_TRUE(written.ok()) << explain(written.error());
    Result<std::optional<std::string>> on_db2 =
        db2->read_file("/var/lib/postgresql/pgrepl-e2e-iso");
    ASSERT_TRUE(on_db2.ok()) << explain(on_db2.error());
    EXPECT_FALSE(on_db2->has_value()) << "db2 sees db1's file";
    ASSERT_EQ(
        lab_shell("db1", "touch /tmp/pgrepl-e2e-iso /run/postgresql/pgrepl-e2e-iso").exit_code, 0);
    EXPECT_EQ(
        run_or_fail(*db2, "ls /tmp/pgrepl-e2e-iso /run/postgresql/pgrepl-e2e-iso").exit_status, 2);
    lab_shell("db1",
              "rm -f /var/lib/postgresql/pgrepl-e2e-iso /tmp/pgrepl-e2e-iso "
              "/run/postgresql/pgrepl-e2e-iso");
}

}  // namespace
}  // namespace pgrepl::e2e
