#include "exec_local_sshd.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "pgrepl/exec/quote.hpp"

namespace pgrepl {

namespace fs = std::filesystem;

namespace {

/// Runs a local shell command; true on exit status 0.
bool sh(const std::string& command) {
    return std::system(command.c_str()) == 0;
}

/// True when something accepts connections on 127.0.0.1:port.
bool port_open(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const bool open = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return open;
}

}  // namespace

std::string slurp_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int free_local_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        close(fd);
        return 0;
    }
    close(fd);
    return ntohs(address.sin_port);
}

std::string key_file_fingerprint(const fs::path& public_key) {
    const std::string command = "ssh-keygen -l -E sha256 -f " + shell_quote(public_key.string());
    FILE* pipe = popen(command.c_str(), "r");
    char buffer[512] = {};
    const std::string line = std::fgets(buffer, sizeof buffer, pipe) != nullptr ? buffer : "";
    pclose(pipe);
    std::istringstream words(line);
    std::string bits;
    std::string fingerprint;
    words >> bits >> fingerprint;
    return fingerprint;
}

LocalSshd::LocalSshd() {
    std::string pattern = (fs::temp_directory_path() / "pgrepl-sshd-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    if (const passwd* entry = getpwuid(geteuid()); entry != nullptr) {
        user_ = entry->pw_name;
    }
}

std::unique_ptr<LocalSshd> LocalSshd::start(std::string& why_not) {
    const fs::path sshd = "/usr/sbin/sshd";
    if (!fs::exists(sshd) || std::system("command -v ssh-keygen >/dev/null") != 0) {
        why_not = "sshd or ssh-keygen is not installed";
        return nullptr;
    }
    auto server = std::unique_ptr<LocalSshd>(new LocalSshd());
    const fs::path& dir = server->dir_;
    const std::string q = shell_quote(dir.string());
    if (!sh("ssh-keygen -q -t ed25519 -N '' -C host -f " + q + "/host_key") ||
        !sh("ssh-keygen -q -t ed25519 -N '' -C client -f " + q + "/client_key") ||
        !sh("ssh-keygen -q -t ed25519 -N '' -C other -f " + q + "/other_key") ||
        !sh("cp " + q + "/client_key.pub " + q + "/authorized_keys")) {
        why_not = "ssh-keygen failed";
        return nullptr;
    }
    if (geteuid() == 0 && !fs::exists("/run/sshd")) {
        // sshd's privilege separation directory (normally made by the service unit).
        std::error_code ec;
        fs::create_directories("/run/sshd", ec);
        chmod("/run/sshd", 0755);
    }
    server->port_ = free_local_port();
    std::ofstream(dir / "sshd_config")
        << "Port " << server->port_ << "\nListenAddress 127.0.0.1\n"
        << "HostKey " << (dir / "host_key").string() << "\n"
        << "AuthorizedKeysFile " << (dir / "authorized_keys").string() << "\n"
        << "PidFile " << (dir / "sshd.pid").string() << "\n"
        << "StrictModes no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        << "KbdInteractiveAuthentication no\nLogLevel VERBOSE\n"
        // PAM: lets accounts with a locked password (like postgres) log in with a key.
        << "UsePAM yes\n";
    // Readable by other users (the sshd child reads authorized_keys as the login user).
    chmod(dir.c_str(), 0755);
    chmod((dir / "authorized_keys").c_str(), 0644);
    const pid_t pid = fork();
    if (pid == 0) {
        const int null = open("/dev/null", O_RDWR);
        const int err = open((dir / "sshd.stderr").c_str(), O_WRONLY | O_CREAT, 0600);
        dup2(null, 0);
        dup2(null, 1);
        dup2(err >= 0 ? err : null, 2);
        execl(sshd.c_str(), sshd.c_str(), "-D", "-f", (dir / "sshd_config").c_str(), "-E",
              (dir / "sshd.log").c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    server->pid_ = pid;
    for (int i = 0; i < 100; ++i) {
        if (port_open(server->port_)) {
            return server;
        }
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            server->pid_ = 0;
            why_not = "sshd exited: " + slurp_file(dir / "sshd.log");
            return nullptr;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    why_not = "sshd did not listen within 5 s";
    return nullptr;
}

LocalSshd::~LocalSshd() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    // The per-connection sshd processes may still append a line or two to sshd.log.
    for (int i = 0; i < 40; ++i) {
        std::error_code ec;
        fs::remove_all(dir_, ec);
        if (!fs::exists(dir_, ec)) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

Host LocalSshd::host() const {
    Host host;
    host.name = "local";
    host.address = "127.0.0.1";
    host.ssh.user = user_;
    host.ssh.port = port_;
    host.ssh.identity_file = (dir_ / "client_key").string();
    host.ssh.known_hosts = (dir_ / "known" / "known_hosts").string();
    host.ssh.host_key_checking = HostKeyChecking::AcceptNew;
    host.ssh.connect_timeout = 5;
    return host;
}

void ExecSshLocal::SetUp() {
    if (const char* skip = std::getenv("PGREPL_SKIP_LOCAL_SSHD"); skip && *skip == '1') {
        GTEST_SKIP() << "PGREPL_SKIP_LOCAL_SSHD=1";
    }
    std::string why_not;
    server_ = LocalSshd::start(why_not);
    if (!server_) {
        GTEST_SKIP() << "no local sshd: " << why_not;
    }
}

std::unique_ptr<Executor> ExecSshLocal::connect(const Host& host) {
    auto executor = connect_ssh(host);
    if (!executor) {
        ADD_FAILURE() << executor.error().message << " / " << executor.error().hint;
        return nullptr;
    }
    return std::move(executor).value();
}

Command ExecSshLocal::command(std::string script, std::string stdin_data) {
    Command c;
    c.script = std::move(script);
    c.stdin_data = std::move(stdin_data);
    c.purpose = "test";
    return c;
}

}  // namespace pgrepl
