// The TCP reachability probe (see reach.hpp): resolve the SSH endpoint as the SSH connection
// would (~/.ssh/config's HostName, the inventory's port), then one non-blocking connect per
// resolved address within a shared deadline.
#include "pgrepl/exec/reach.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "exec/ssh_session.hpp"

namespace pgrepl {
namespace {

using Clock = std::chrono::steady_clock;

/// The host name ~/.ssh/config resolves the inventory address to, or nullopt when the
/// connection goes through a proxy command (then a direct probe says nothing).
std::optional<std::string> ssh_endpoint_host(const Host& host) {
    ensure_ssh_initialized();
    ssh_session session = ssh_new();
    if (session == nullptr) return host.address;
    std::optional<std::string> result = host.address;
    if (ssh_options_set(session, SSH_OPTIONS_HOST, host.address.c_str()) == SSH_OK &&
        ssh_options_set(session, SSH_OPTIONS_USER, host.ssh.user.c_str()) == SSH_OK &&
        ssh_options_parse_config(session, nullptr) == SSH_OK) {
        char* value = nullptr;
        if (ssh_options_get(session, SSH_OPTIONS_PROXYCOMMAND, &value) == SSH_OK &&
            value != nullptr && std::strcmp(value, "none") != 0) {
            result.reset();
        }
        ssh_string_free_char(value);
        value = nullptr;
        if (result && ssh_options_get(session, SSH_OPTIONS_HOST, &value) == SSH_OK &&
            value != nullptr) {
            result = std::string(value);
        }
        ssh_string_free_char(value);
    }
    ssh_free(session);
    return result;
}

/// One connect attempt to `address` until `deadline`: 0 when it connected, else the errno
/// (ETIMEDOUT when the deadline passed).
int connect_once(const addrinfo& address, Clock::time_point deadline) {
    const int fd = socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          address.ai_protocol);
    if (fd < 0) return errno;
    int error = 0;
    if (connect(fd, address.ai_addr, address.ai_addrlen) == 0) {
        error = 0;
    } else if (errno != EINPROGRESS) {
        error = errno;
    } else {
        error = ETIMEDOUT;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) break;
            pollfd pfd{fd, POLLOUT, 0};
            const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
            if (ready < 0 && errno == EINTR) continue;
            if (ready <= 0) break;
            socklen_t length = sizeof error;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
            break;
        }
    }
    close(fd);
    return error;
}

std::string seconds_text(std::chrono::milliseconds ms) {
    return fmt::format("{:.1f} s", static_cast<double>(ms.count()) / 1000.0);
}

}  // namespace

const char* to_string(Reach reach) {
    switch (reach) {
        case Reach::Open:
            return "open";
        case Reach::Refused:
            return "refused";
        case Reach::Silent:
            return "silent";
        case Reach::Unknown:
            return "unknown";
    }
    return "unknown";
}

namespace {

/// Connects to every resolved address of `name`:`port` in turn within `timeout`. `port_name`
/// names the port in the details ("SSH", "PostgreSQL").
ReachResult probe_endpoint(const std::string& name, int port, std::chrono::milliseconds timeout,
                           const char* port_name) {
    const auto start = Clock::now();
    const auto deadline = start + timeout;
    ReachResult result;
    auto finish = [&](Reach reach, std::string detail) {
        result.reach = reach;
        result.detail = std::move(detail);
        result.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        return result;
    };
    const std::string service = std::to_string(port);
    result.endpoint = name + ":" + service;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* list = nullptr;
    if (const int rc = getaddrinfo(name.c_str(), service.c_str(), &hints, &list); rc != 0) {
        return finish(Reach::Unknown, fmt::format("cannot resolve {}: {}", name, gai_strerror(rc)));
    }
    int last_error = ETIMEDOUT;
    for (const addrinfo* address = list; address != nullptr; address = address->ai_next) {
        if (Clock::now() >= deadline) break;
        const int error = connect_once(*address, deadline);
        if (error == 0) {
            freeaddrinfo(list);
            return finish(Reach::Open, fmt::format("the {} port accepts connections", port_name));
        }
        if (error == ECONNREFUSED) {
            freeaddrinfo(list);
            return finish(Reach::Refused,
                          fmt::format("the host answers, but nothing listens on its {} port "
                                      "(connection refused)",
                                      port_name));
        }
        last_error = error;
    }
    freeaddrinfo(list);
    if (last_error == ETIMEDOUT) {
        return finish(Reach::Silent,
                      fmt::format("no answer to a TCP connect within {}", seconds_text(timeout)));
    }
    return finish(Reach::Silent, fmt::format("TCP connect failed: {}", std::strerror(last_error)));
}

}  // namespace

ReachResult probe_reach(const Host& host, std::chrono::milliseconds timeout) {
    const auto name = ssh_endpoint_host(host);
    if (!name) {
        ReachResult result;
        result.endpoint = host.address + ":" + std::to_string(host.ssh.port);
        result.reach = Reach::Unknown;
        result.detail = "connects through a ProxyCommand or ProxyJump: not probed";
        return result;
    }
    return probe_endpoint(*name, host.ssh.port, timeout, "SSH");
}

ReachResult probe_postgres_reach(const Host& host, std::chrono::milliseconds timeout) {
    return probe_endpoint(host.address, host.postgres.port, timeout, "PostgreSQL");
}

}  // namespace pgrepl
