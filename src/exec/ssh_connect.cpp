// Opening an SSH session: options, ~/.ssh/config, TCP connect, then host key and authentication.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "exec/remote_command.hpp"
#include "exec/ssh_session.hpp"

namespace pgrepl {

void ensure_ssh_initialized() {
    // A function-local static is initialized exactly once, even with concurrent callers.
    static const int init_result = ssh_init();
    (void)init_result;
}

namespace {

/// A passphrase prompt that always refuses: pgrepl never prompts (it may run unattended);
/// passphrase-protected keys must be loaded into ssh-agent.
int refuse_passphrase(const char*, char*, size_t, int, int, void*) {
    return -1;
}

/// Keeps idle connections alive and detects dead peers within about two minutes (a silent
/// network drop would otherwise hang a long command forever). Ignored for a ProxyCommand pipe.
void enable_tcp_keepalive(ssh_session session) {
    const socket_t fd = ssh_get_fd(session);
    if (fd == SSH_INVALID_SOCKET) {
        return;
    }
    const int on = 1;
    const int idle = 30;
    const int interval = 10;
    const int count = 9;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    }
}

/// The options that ~/.ssh/config must not override; applied before and after parsing it.
Status apply_explicit_options(ssh_session session, const Host& host,
                              const std::string& known_hosts) {
    const unsigned int port = static_cast<unsigned int>(host.ssh.port);
    const long timeout = host.ssh.connect_timeout;
    const int strict = 1;
    const int nodelay = 1;
    struct Setting {
        ssh_options_e option;
        const void* value;
        const char* name;
    };
    const Setting settings[] = {
        {SSH_OPTIONS_USER, host.ssh.user.c_str(), "user"},
        {SSH_OPTIONS_PORT, &port, "port"},
        {SSH_OPTIONS_TIMEOUT, &timeout, "timeout"},
        {SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str(), "known_hosts"},
        // Only the inventory's known_hosts file counts: no /etc/ssh/ssh_known_hosts.
        {SSH_OPTIONS_GLOBAL_KNOWNHOSTS, known_hosts.c_str(), "global known_hosts"},
        {SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict, "strict host key checking"},
        {SSH_OPTIONS_NODELAY, &nodelay, "TCP_NODELAY"},
    };
    for (const Setting& setting : settings) {
        if (ssh_options_set(session, setting.option, setting.value) != SSH_OK) {
            return make_host_error(ErrorKind::Internal, host.name, "connect",
                                   std::string("cannot set the SSH ") + setting.name +
                                       " option: " + last_ssh_error(session));
        }
    }
    return ok_status();
}

}  // namespace

SshConnection::SshConnection() : session(ssh_new()) {
    ssh_callbacks_init(&callbacks);
    callbacks.auth_function = refuse_passphrase;
    if (session != nullptr) {
        ssh_set_callbacks(session, &callbacks);
    }
}

SshConnection::~SshConnection() {
    if (session != nullptr) {
        ssh_disconnect(session);
        ssh_free(session);
    }
}

std::string last_ssh_error(ssh_session session) {
    const char* text = ssh_get_error(session);
    return text != nullptr && *text != '\0' ? std::string(text) : std::string("unknown error");
}

std::string key_fingerprint(ssh_key key) {
    unsigned char* hash = nullptr;
    size_t length = 0;
    if (key == nullptr ||
        ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK) {
        return "(unknown fingerprint)";
    }
    char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    ssh_clean_pubkey_hash(&hash);
    std::string fingerprint = text != nullptr ? text : "(unknown fingerprint)";
    ssh_string_free_char(text);
    return fingerprint;
}

std::string key_type(ssh_key key) {
    const char* name = key != nullptr ? ssh_key_type_to_char(ssh_key_type(key)) : nullptr;
    return name != nullptr ? name : "unknown";
}

Result<std::unique_ptr<SshConnection>> open_ssh_connection(const Host& host) {
    ensure_ssh_initialized();
    auto connection = std::make_unique<SshConnection>();
    ssh_session session = connection->session;
    if (session == nullptr) {
        return make_host_error(ErrorKind::Internal, host.name, "connect", "ssh_new() failed");
    }
    const std::string known_hosts = expand_home(host.ssh.known_hosts);
    std::optional<std::string> identity_file;
    if (host.ssh.identity_file) {
        identity_file = expand_home(*host.ssh.identity_file);
    }

    const int verbosity = SSH_LOG_NOLOG;
    ssh_options_set(session, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
    if (ssh_options_set(session, SSH_OPTIONS_HOST, host.address.c_str()) != SSH_OK) {
        return make_host_error(
            ErrorKind::Connect, host.name, "connect",
            "invalid address '" + host.address + "': " + last_ssh_error(session));
    }
    if (Status status = apply_explicit_options(session, host, known_hosts); !status) {
        return status.error();
    }
    // ~/.ssh/config may add a HostName, ProxyJump or IdentityFile; then the inventory's options
    // (and strict checking) are applied again so that no config line can override them.
    if (ssh_options_parse_config(session, nullptr) != SSH_OK) {
        return make_host_error(
            ErrorKind::Connect, host.name, "connect",
            "cannot parse the SSH client configuration: " + last_ssh_error(session),
            "check ~/.ssh/config and /etc/ssh/ssh_config");
    }
    if (Status status = apply_explicit_options(session, host, known_hosts); !status) {
        return status.error();
    }
    const bool process_config = false;
    ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &process_config);

    spdlog::debug("{}: connecting to {}@{}:{}", host.name, host.ssh.user, host.address,
                  host.ssh.port);
    if (ssh_connect(session) != SSH_OK) {
        return make_host_error(
            ErrorKind::Connect, host.name, "connect",
            "cannot open an SSH connection to " + host.address + ":" +
                std::to_string(host.ssh.port) + " within " +
                std::to_string(host.ssh.connect_timeout) + " s: " + last_ssh_error(session),
            "check that the host is up, that its address and ssh.port are right and "
            "that sshd listens there; raise ssh.connect_timeout for slow links");
    }
    enable_tcp_keepalive(session);

    Result<std::string> host_key = verify_host_key(session, host, known_hosts);
    if (!host_key) {
        return host_key.error();
    }
    connection->host_key = std::move(host_key).value();
    if (Status status = authenticate(session, host, identity_file); !status) {
        return status.error();
    }
    spdlog::debug("{}: connected as {}", host.name, host.ssh.user);
    return connection;
}

}  // namespace pgrepl
