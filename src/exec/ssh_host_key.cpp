// Host key verification: strict or accept-new; a changed key is always refused, with both
// fingerprints in the message. The verified key is kept for Executor::host_key().
#include <filesystem>
#include <fstream>
#include <vector>

#include <spdlog/spdlog.h>

#include "exec/ssh_session.hpp"

namespace pgrepl {
namespace {

/// A key recorded for the host in known_hosts.
struct RecordedKey {
    std::string type;         ///< "ssh-ed25519"
    std::string fingerprint;  ///< "SHA256:..."
    int line = 0;             ///< 1-based line in the file
};

/// The name libssh looks the host up under: "host", or "[host]:port" for a port other than 22.
std::string known_hosts_name(ssh_session session, const Host& host) {
    char* name = nullptr;
    std::string result = host.address;
    if (ssh_options_get(session, SSH_OPTIONS_HOST, &name) == SSH_OK && name != nullptr) {
        result = name;
    }
    ssh_string_free_char(name);
    unsigned int port = static_cast<unsigned int>(host.ssh.port);
    ssh_options_get_port(session, &port);
    return port == 22 ? result : "[" + result + "]:" + std::to_string(port);
}

/// The keys recorded for `name` in the known_hosts file (hashed names included).
std::vector<RecordedKey> recorded_keys(const std::string& known_hosts, const std::string& name) {
    std::vector<RecordedKey> keys;
    std::ifstream in(known_hosts);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        const auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#' || line[start] == '@') {
            continue;  // blank, comment, or a @cert-authority / @revoked marker line
        }
        ssh_knownhosts_entry* entry = nullptr;
        if (ssh_known_hosts_parse_line(name.c_str(), line.c_str(), &entry) == SSH_OK &&
            entry != nullptr) {
            keys.push_back({key_type(entry->publickey), key_fingerprint(entry->publickey), number});
        }
        ssh_knownhosts_entry_free(entry);
    }
    return keys;
}

/// "ssh-ed25519 SHA256:... (line 3), ..." for an error message.
std::string describe(const std::vector<RecordedKey>& keys) {
    if (keys.empty()) {
        return "no readable entry";
    }
    std::string text;
    for (const RecordedKey& key : keys) {
        if (!text.empty()) {
            text += ", ";
        }
        text += key.type + " " + key.fingerprint + " (line " + std::to_string(key.line) + ")";
    }
    return text;
}

/// The key as a known_hosts line writes it: `TYPE BASE64`.
Result<std::string> known_hosts_key(ssh_key key, const Host& host) {
    char* base64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key, &base64) != SSH_OK || base64 == nullptr) {
        return make_host_error(ErrorKind::HostKey, host.name, "host key",
                               "cannot export the server's " + key_type(key) + " key");
    }
    std::string text = key_type(key) + " " + base64;
    ssh_string_free_char(base64);
    return text;
}

/// Records the server's key in known_hosts (accept-new), creating the file's directory.
Status record_key(ssh_session session, const Host& host, const std::string& known_hosts,
                  const std::string& offered) {
    const std::filesystem::path directory = std::filesystem::path(known_hosts).parent_path();
    std::error_code ec;
    if (!directory.empty() && !std::filesystem::exists(directory, ec)) {
        std::filesystem::create_directories(directory, ec);
        if (!ec) {
            std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ec);
        }
        if (ec) {
            return make_host_error(
                ErrorKind::HostKey, host.name, "host key",
                "cannot create " + directory.string() + " for known_hosts: " + ec.message());
        }
    }
    if (ssh_session_update_known_hosts(session) != SSH_OK) {
        return make_host_error(
            ErrorKind::HostKey, host.name, "host key",
            "cannot record the host key in " + known_hosts + ": " + last_ssh_error(session),
            "check that the file is writable, or add the key to it yourself");
    }
    spdlog::info("{}: recorded the new host key {} in {} (host_key_checking: accept-new)",
                 host.name, offered, known_hosts);
    return ok_status();
}

}  // namespace

Result<std::string> verify_host_key(ssh_session session, const Host& host,
                                    const std::string& known_hosts) {
    ssh_key server_key = nullptr;
    if (ssh_get_server_publickey(session, &server_key) != SSH_OK || server_key == nullptr) {
        return make_host_error(ErrorKind::HostKey, host.name, "host key",
                               "the server sent no key: " + last_ssh_error(session));
    }
    const std::string offered = key_type(server_key) + " " + key_fingerprint(server_key);
    Result<std::string> key = known_hosts_key(server_key, host);
    ssh_key_free(server_key);
    if (!key) {
        return key.error();
    }

    const std::string name = known_hosts_name(session, host);
    const std::string remove_hint =
        "check the host's key out of band (on the host: ssh-keygen -lf "
        "/etc/ssh/ssh_host_ed25519_key.pub); if the new key is right, remove the old entry with "
        "`ssh-keygen -R '" +
        name + "' -f " + known_hosts + "` and connect again";

    switch (ssh_session_is_known_server(session)) {
        case SSH_KNOWN_HOSTS_OK:
            return key;
        case SSH_KNOWN_HOSTS_CHANGED:
            return make_host_error(
                ErrorKind::HostKey, host.name, "host key",
                "the host key of " + name +
                    " has CHANGED (possible man-in-the-middle attack, or the host "
                    "was reinstalled): it offers " +
                    offered + " but " + known_hosts + " records " +
                    describe(recorded_keys(known_hosts, name)),
                remove_hint);
        case SSH_KNOWN_HOSTS_OTHER:
            return make_host_error(ErrorKind::HostKey, host.name, "host key",
                                   name + " offers " + offered + " but " + known_hosts +
                                       " records only keys of another type for it: " +
                                       describe(recorded_keys(known_hosts, name)),
                                   remove_hint);
        case SSH_KNOWN_HOSTS_NOT_FOUND:
        case SSH_KNOWN_HOSTS_UNKNOWN:
            if (host.ssh.host_key_checking == HostKeyChecking::AcceptNew) {
                if (Status recorded = record_key(session, host, known_hosts, offered); !recorded) {
                    return recorded.error();
                }
                return key;
            }
            return make_host_error(
                ErrorKind::HostKey, host.name, "host key",
                name + " is not in " + known_hosts + " (it offers " + offered +
                    "); host_key_checking is strict",
                "check the fingerprint on the host, then add the key (ssh-keyscan -p " +
                    std::to_string(host.ssh.port) + " " + host.address + " >> " + known_hosts +
                    ") or set ssh.host_key_checking: accept-new to record it on "
                    "first connection");
        case SSH_KNOWN_HOSTS_ERROR:
            break;
    }
    return make_host_error(
        ErrorKind::HostKey, host.name, "host key",
        "cannot check " + name + " against " + known_hosts + ": " + last_ssh_error(session),
        "check that the known_hosts file is readable and well-formed");
}

}  // namespace pgrepl
