// Public-key authentication: ssh-agent, the inventory's identity file, then the default keys.
#include <cstdlib>
#include <vector>

#include <spdlog/spdlog.h>

#include "exec/ssh_session.hpp"

namespace pgrepl {
namespace {

/// The error for an authentication step that failed because the connection did.
Error transport_error(ssh_session session, const Host& host) {
    return make_host_error(ErrorKind::Connect, host.name, "auth",
                           "the SSH connection to " + host.address +
                               " failed during authentication: " + last_ssh_error(session));
}

/// Refuses to prompt for a passphrase (the same policy as the session callback).
int no_passphrase(const char*, char*, size_t, int, int, void*) {
    return -1;
}

}  // namespace

Status authenticate(ssh_session session, const Host& host,
                    const std::optional<std::string>& identity_file) {
    int rc = ssh_userauth_none(session, nullptr);
    if (rc == SSH_AUTH_SUCCESS) {
        return ok_status();
    }
    if (rc == SSH_AUTH_ERROR) {
        return transport_error(session, host);
    }
    const int methods = ssh_userauth_list(session, nullptr);
    if (methods != 0 && (methods & SSH_AUTH_METHOD_PUBLICKEY) == 0) {
        return make_host_error(
            ErrorKind::Auth, host.name, "auth",
            host.address + " does not accept public-key authentication for " + host.ssh.user,
            "pgrepl authenticates with SSH keys only; enable PubkeyAuthentication "
            "in the host's sshd_config");
    }

    std::vector<std::string> tried;
    const char* agent = std::getenv("SSH_AUTH_SOCK");
    if (agent != nullptr && *agent != '\0') {
        rc = ssh_userauth_agent(session, nullptr);
        if (rc == SSH_AUTH_SUCCESS) {
            spdlog::debug("{}: authenticated with a key from ssh-agent", host.name);
            return ok_status();
        }
        if (rc == SSH_AUTH_ERROR && ssh_is_connected(session) == 0) {
            return transport_error(session, host);
        }
        tried.push_back("the keys of ssh-agent");
    }

    if (identity_file) {
        ssh_key key = nullptr;
        if (ssh_pki_import_privkey_file(identity_file->c_str(), nullptr, no_passphrase, nullptr,
                                        &key) != SSH_OK) {
            tried.push_back("identity file " + *identity_file +
                            " (missing, unreadable, or protected by a passphrase: load such a key "
                            "into ssh-agent)");
        } else {
            rc = ssh_userauth_publickey(session, nullptr, key);
            ssh_key_free(key);
            if (rc == SSH_AUTH_SUCCESS) {
                spdlog::debug("{}: authenticated with {}", host.name, *identity_file);
                return ok_status();
            }
            if (rc == SSH_AUTH_ERROR && ssh_is_connected(session) == 0) {
                return transport_error(session, host);
            }
            tried.push_back("identity file " + *identity_file);
        }
    }

    rc = ssh_userauth_publickey_auto(session, nullptr, nullptr);
    if (rc == SSH_AUTH_SUCCESS) {
        spdlog::debug("{}: authenticated with a default key", host.name);
        return ok_status();
    }
    if (rc == SSH_AUTH_ERROR && ssh_is_connected(session) == 0) {
        return transport_error(session, host);
    }
    tried.push_back("the default keys (~/.ssh/id_*)");

    std::string list;
    for (const std::string& item : tried) {
        list += (list.empty() ? "" : ", ") + item;
    }
    return make_host_error(ErrorKind::Auth, host.name, "auth",
                           host.ssh.user + "@" + host.address + ":" +
                               std::to_string(host.ssh.port) + " accepted no key; tried " + list,
                           "add the public key to ~" + host.ssh.user +
                               "/.ssh/authorized_keys on the host, or set ssh.identity_file (and "
                               "ssh.user) in the inventory");
}

}  // namespace pgrepl
