// probe_reach (and probe_postgres_reach) against sockets on 127.0.0.1: a listening port is open,
// a closed port refuses, and a listener whose accept queue is full drops the SYN (a silent host,
// as far as TCP can tell).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "pgrepl/exec/reach.hpp"

namespace pgrepl {
namespace {

using namespace std::chrono_literals;

/// A TCP socket on 127.0.0.1 (closed on destruction).
class Socket {
  public:
    Socket() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {}
    ~Socket() {
        if (fd_ >= 0) close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

    /// Binds to an ephemeral port and listens with `backlog`; the port, or 0 on failure.
    int listen_on_any_port(int backlog) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return 0;
        if (listen(fd_, backlog) != 0) return 0;
        socklen_t length = sizeof address;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        return ntohs(address.sin_port);
    }
    /// Connects to 127.0.0.1:port (waiting at most 200 ms); true when it worked.
    bool connect_to(int port) {
        timeval limit{0, 200000};
        setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        return connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }

  private:
    int fd_;
};

Host local_host(int port) {
    Host host;
    host.name = "local";
    host.address = "127.0.0.1";
    host.ssh.user = "nobody";
    host.ssh.port = port;
    return host;
}

TEST(Reach, ListeningPortIsOpen) {
    Socket listener;
    const int port = listener.listen_on_any_port(16);
    ASSERT_NE(port, 0);
    const ReachResult result = probe_reach(local_host(port), 1000ms);
    EXPECT_EQ(result.reach, Reach::Open) << result.detail;
    EXPECT_EQ(result.endpoint, "127.0.0.1:" + std::to_string(port));
}

TEST(Reach, ClosedPortIsRefused) {
    int port = 0;
    {
        Socket listener;
        port = listener.listen_on_any_port(1);
        ASSERT_NE(port, 0);
    }  // closed again: nothing listens there now
    const ReachResult result = probe_reach(local_host(port), 1000ms);
    EXPECT_EQ(result.reach, Reach::Refused) << result.detail;
    EXPECT_NE(result.detail.find("connection refused"), std::string::npos) << result.detail;
}

TEST(Reach, NoAnswerWithinTheDeadlineIsSilent) {
    Socket listener;
    const int port = listener.listen_on_any_port(0);
    ASSERT_NE(port, 0);
    // Fill the accept queue (never accepted): the kernel then drops further SYNs.
    std::vector<Socket> queued;
    for (int i = 0; i < 4; ++i) {
        Socket client;
        if (!client.connect_to(port)) break;
        queued.push_back(std::move(client));
    }
    const ReachResult result = probe_reach(local_host(port), 300ms);
    if (result.reach == Reach::Open) GTEST_SKIP() << "this kernel did not drop the SYN";
    EXPECT_EQ(result.reach, Reach::Silent) << result.detail;
    EXPECT_NE(result.detail.find("within 0.3 s"), std::string::npos) << result.detail;
    EXPECT_GE(result.took, 250ms);
    EXPECT_LT(result.took, 2000ms);
}

TEST(Reach, ThePostgresPortIsProbedAtTheInventoryAddress) {
    Socket listener;
    const int port = listener.listen_on_any_port(16);
    ASSERT_NE(port, 0);
    Host host = local_host(1);  // the SSH port plays no part
    host.postgres.port = port;
    ReachResult result = probe_postgres_reach(host, 1000ms);
    EXPECT_EQ(result.reach, Reach::Open) << result.detail;
    EXPECT_EQ(result.endpoint, "127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(result.detail, "the PostgreSQL port accepts connections");
    host.postgres.port = 1;
    result = probe_postgres_reach(host, 1000ms);
    EXPECT_EQ(result.reach, Reach::Refused) << result.detail;
    EXPECT_NE(result.detail.find("nothing listens on its PostgreSQL port"), std::string::npos)
        << result.detail;
}

}  // namespace
}  // namespace pgrepl
