#include "setup_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

namespace pgrepl::e2e {
namespace {

std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
        text.pop_back();
    return text;
}

}  // namespace

void reset_lab() {
    auto result = run_lab({"reset"});
    ASSERT_EQ(result.exit_code, 0) << result.describe();
}

std::string write_inventory(const TempDir& dir, const std::string& ssh_user,
                            const std::string& postgres_block,
                            const std::map<std::string, std::string>& host_extra) {
    std::ostringstream yaml;
    yaml << "cluster: e2e\n" << postgres_block;
    yaml << "ssh:\n  user: " << ssh_user << "\n  identity_file: " << lab_path("id_ed25519")
         << "\n  known_hosts: " << lab_path("known_hosts") << "\n  connect_timeout: 3\n";
    yaml << "replication:\n  user: replicator\n  password_env: PGREPL_REPLICATION_PASSWORD\n";
    yaml << "hosts:\n";
    for (int i = 1; i <= 3; ++i) {
        const std::string name = "db" + std::to_string(i);
        yaml << "  - name: " << name << "\n    address: 10.231.0." << 10 + i
             << "\n    role: " << (i == 1 ? "primary" : "replica") << "\n";
        if (auto it = host_extra.find(name); it != host_extra.end()) yaml << it->second;
    }
    const auto path = dir.file("inventory.yaml");
    write_local_file(path, yaml.str());
    return path;
}

void address_by_name(const std::string& path, const std::map<std::string, std::string>& names) {
    std::string yaml = read_local_file(path);
    for (const auto& [host, name] : names) {
        const std::string ip =
            "address: 10.231.0." + std::to_string(10 + std::stoi(host.substr(2)));
        const auto at = yaml.find("name: " + host + "\n    " + ip + "\n");
        ASSERT_NE(at, std::string::npos) << host << " in " << yaml;
        yaml.replace(yaml.find(ip, at), ip.size(), "address: " + name);
    }
    write_local_file(path, yaml);
}

SqlResult host_sql(const std::string& host, const std::string& sql, int port,
                   const std::string& cluster) {
    (void)cluster;
    const std::string script = "runuser -u postgres -- psql -h /var/run/postgresql -p " +
                               std::to_string(port) +
                               " -d postgres -X -At -F '|' -v ON_ERROR_STOP=1";
    auto result =
        run_lab({"exec", host, "sh", "-c",
                 "cd / && " + script + " <<'PGREPL_E2E_SQL'\n" + sql + "\nPGREPL_E2E_SQL\n"});
    return SqlResult{result.exit_code == 0, trim(result.out), result.err};
}

std::string wait_for_sql(const std::string& host, const std::string& sql,
                         const std::string& expected, int seconds, int port) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
        auto result = host_sql(host, sql, port);
        last = result.ok ? result.out : "error: " + result.err;
        if (result.ok && result.out == expected) return last;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return last;
}

std::map<std::string, int> recap_changed(const std::string& setup_stdout) {
    std::map<std::string, int> counts;
    auto recap = setup_stdout.find("\nRECAP");
    if (recap == std::string::npos) return counts;
    static const std::regex line(R"((db\d+)\s+ok=\d+\s+(?:changed|would-change)=(\d+))");
    const std::string tail = setup_stdout.substr(recap);
    for (auto it = std::sregex_iterator(tail.begin(), tail.end(), line);
         it != std::sregex_iterator(); ++it) {
        counts[(*it)[1].str()] = std::stoi((*it)[2].str());
    }
    return counts;
}

std::string write_archive_inventory(const TempDir& dir, const std::string& replication_extra,
                                    const std::string& postgres_extra,
                                    const std::string& archive_host, int db3_ssh_port,
                                    int host_count) {
    std::ostringstream yaml;
    yaml << "cluster: e2e\npostgres:\n  version: 15\n" << postgres_extra;
    yaml << "ssh:\n  user: root\n  identity_file: " << lab_path("id_ed25519")
         << "\n  known_hosts: " << lab_path("known_hosts") << "\n  connect_timeout: 3\n";
    yaml << "replication:\n  user: replicator\n  password_env: PGREPL_REPLICATION_PASSWORD\n"
         << replication_extra << "  archive:\n    method: ssh\n    host: " << archive_host
         << "\n    path: " << kLabArchiveDir << "\n    timeout: 60\n";
    yaml << "hosts:\n";
    for (int i = 1; i <= host_count; ++i) {
        yaml << "  - name: db" << i << "\n    address: 10.231.0." << 10 + i
             << "\n    role: " << (i == 1 ? "primary" : "replica") << "\n";
        if (i == 3 && db3_ssh_port != 22) yaml << "    ssh:\n      port: " << db3_ssh_port << "\n";
    }
    const auto path = dir.file("inventory.yaml");
    write_local_file(path, yaml.str());
    return path;
}

}  // namespace pgrepl::e2e
