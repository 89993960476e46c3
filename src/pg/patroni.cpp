// render_patroni_config and its parts: Patroni's view of a pgrepl cluster.
#include "pgrepl/pg/patroni.hpp"

#include <yaml-cpp/yaml.h>

#include <stdexcept>

#include "pgrepl/pg/archive.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/quote.hpp"
#include "pgrepl/pg/settings.hpp"

namespace pgrepl {
namespace {

const PatroniOptions& patroni_of(const Inventory& inventory) {
    if (!inventory.patroni) throw std::logic_error("the inventory has no patroni section");
    return *inventory.patroni;
}

std::string endpoint(const std::string& address, int port) {
    const bool ipv6 = address.find(':') != std::string::npos;
    return (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

/// Names Patroni puts on the command line (patroni/postgresql/config.py CMDLINE_OPTIONS) and
/// pgrepl may manage; listen_addresses, port, cluster_name, hot_standby and wal_log_hints
/// Patroni sets from its own configuration.
constexpr const char* kCommandLine[] = {
    "wal_level",
    "max_connections",
    "max_wal_senders",
    "wal_keep_size",
    "wal_keep_segments",
    "max_prepared_transactions",
    "max_locks_per_transaction",
    "track_commit_timestamp",
    "max_replication_slots",
    "max_worker_processes",
};

std::string listen_addresses(const Inventory& inventory, const Host& host) {
    for (const ManagedSetting& setting : desired_settings(inventory, host)) {
        if (setting.name == "listen_addresses") return conf_unquote(setting.value);
    }
    return "*";
}

}  // namespace

std::vector<EtcdMember> etcd_members(const Inventory& inventory) {
    std::vector<EtcdMember> members;
    int unnamed = 0;
    for (const std::string& entry : patroni_of(inventory).dcs) {
        if (const Host* host = inventory.find_host(entry)) {
            members.push_back({host->name, host->address});
        } else {
            members.push_back({"etcd" + std::to_string(++unnamed), entry});
        }
    }
    return members;
}

std::vector<std::string> etcd_client_endpoints(const Inventory& inventory) {
    std::vector<std::string> endpoints;
    const int port = patroni_of(inventory).etcd_client_port;
    for (const EtcdMember& member : etcd_members(inventory))
        endpoints.push_back(endpoint(member.address, port));
    return endpoints;
}

std::string patroni_rest_url(const Inventory& inventory, const Host& host, std::string_view path) {
    return "http://" + endpoint(host.address, patroni_of(inventory).restapi_port) + "/" +
           std::string(path);
}

std::string etcd_health_url(const Inventory& inventory, const EtcdMember& member) {
    return "http://" + endpoint(member.address, patroni_of(inventory).etcd_client_port) + "/health";
}

std::string patroni_config_path(const Host& host) {
    return "/etc/patroni/" + host.postgres.version.to_string() + "-" + host.postgres.cluster_name +
           ".yml";
}

std::vector<std::pair<std::string, std::string>> patroni_command_line_parameters(
    const Inventory& inventory, const Host& host) {
    std::vector<std::pair<std::string, std::string>> parameters;
    const std::vector<ManagedSetting> settings = desired_settings(inventory, host);
    for (const char* name : kCommandLine) {
        for (const ManagedSetting& setting : settings) {
            if (setting.name == name) parameters.emplace_back(name, conf_unquote(setting.value));
        }
    }
    return parameters;
}

std::string render_patroni_config(const Inventory& inventory, const Host& host,
                                  const PatroniSecrets& secrets) {
    const PatroniOptions& patroni = patroni_of(inventory);
    const ClusterPaths paths = cluster_paths(host);
    const std::string version = host.postgres.version.to_string();
    const std::string instance = version + "-" + host.postgres.cluster_name;
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "scope" << YAML::Value << patroni.scope;
    out << YAML::Key << "namespace" << YAML::Value << "/service/";
    out << YAML::Key << "name" << YAML::Value << host.name;

    out << YAML::Key << "restapi" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "listen" << YAML::Value << endpoint(host.address, patroni.restapi_port);
    out << YAML::Key << "connect_address" << YAML::Value
        << endpoint(host.address, patroni.restapi_port);
    out << YAML::Key << "authentication" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "username" << YAML::Value << patroni.restapi_user;
    out << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted << secrets.restapi_password;
    out << YAML::EndMap << YAML::EndMap;

    out << YAML::Key << "etcd3" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "hosts" << YAML::Value << etcd_client_endpoints(inventory);
    out << YAML::EndMap;

    out << YAML::Key << "bootstrap" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "dcs" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "ttl" << YAML::Value << patroni.ttl;
    out << YAML::Key << "loop_wait" << YAML::Value << patroni.loop_wait;
    out << YAML::Key << "retry_timeout" << YAML::Value << patroni.retry_timeout;
    out << YAML::Key << "maximum_lag_on_failover" << YAML::Value << patroni.maximum_lag_on_failover;
    out << YAML::Key << "postgresql" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "use_pg_rewind" << YAML::Value << true;
    out << YAML::Key << "use_slots" << YAML::Value << inventory.replication.slots;
    out << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, value] : patroni_command_line_parameters(inventory, host))
        out << YAML::Key << name << YAML::Value << YAML::DoubleQuoted << value;
    out << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;

    out << YAML::Key << "postgresql" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "listen" << YAML::Value
        << listen_addresses(inventory, host) + ":" + std::to_string(host.postgres.port);
    out << YAML::Key << "connect_address" << YAML::Value
        << endpoint(host.address, host.postgres.port);
    out << YAML::Key << "data_dir" << YAML::Value << paths.data_dir;
    out << YAML::Key << "config_dir" << YAML::Value << paths.conf_dir;
    out << YAML::Key << "bin_dir" << YAML::Value << "/usr/lib/postgresql/" + version + "/bin";
    out << YAML::Key << "pgpass" << YAML::Value << "/var/lib/postgresql/" + instance + ".pgpass";
    out << YAML::Key << "use_unix_socket" << YAML::Value << true;
    out << YAML::Key << "authentication" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "superuser" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "username" << YAML::Value << "postgres";
    out << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted << "";
    out << YAML::EndMap;
    out << YAML::Key << "replication" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "username" << YAML::Value << inventory.replication.user;
    out << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted
        << secrets.replication_password;
    out << YAML::EndMap;
    if (host.postgres.version.number() >= 1100) {
        out << YAML::Key << "rewind" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "username" << YAML::Value << inventory.replication.rewind_user;
        out << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted
            << secrets.replication_password;
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
    out << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "unix_socket_directories" << YAML::Value << "/var/run/postgresql";
    out << YAML::EndMap;
    const ArchiveCommands archive = archive_commands(inventory, host);
    if (!archive.restore_command.empty()) {
        out << YAML::Key << "recovery_conf" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "restore_command" << YAML::Value << archive.restore_command;
        if (!archive.archive_cleanup_command.empty()) {
            out << YAML::Key << "archive_cleanup_command" << YAML::Value
                << archive.archive_cleanup_command;
        }
        out << YAML::EndMap;
    }
    out << YAML::EndMap;

    if (host.upstream) {
        out << YAML::Key << "tags" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "replicatefrom" << YAML::Value << *host.upstream;
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
    return "# Managed by pgrepl (handoff patroni): edits are overwritten. It holds passwords: "
           "mode 0600.\n" +
           std::string(out.c_str()) + "\n";
}

std::optional<EtcdMember> etcd_member_of(const Inventory& inventory, const Host& host) {
    for (const EtcdMember& member : etcd_members(inventory)) {
        if (member.name == host.name || member.address == host.address) return member;
    }
    return std::nullopt;
}

std::string etcd_config_path() {
    return "/etc/etcd/etcd.conf.yml";
}

std::string etcd_data_dir(const Inventory& inventory) {
    return "/var/lib/etcd/" + patroni_of(inventory).scope;
}

std::string render_etcd_config(const Inventory& inventory, const EtcdMember& member,
                               const std::string& listen_address) {
    const PatroniOptions& patroni = patroni_of(inventory);
    const auto url = [](const std::string& address, int port) {
        return "http://" + endpoint(address, port);
    };
    std::string initial_cluster;
    for (const EtcdMember& each : etcd_members(inventory)) {
        if (!initial_cluster.empty()) initial_cluster += ",";
        initial_cluster += each.name + "=" + url(each.address, patroni.etcd_peer_port);
    }
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << member.name;
    out << YAML::Key << "data-dir" << YAML::Value << etcd_data_dir(inventory);
    out << YAML::Key << "listen-peer-urls" << YAML::Value
        << url(listen_address, patroni.etcd_peer_port);
    out << YAML::Key << "initial-advertise-peer-urls" << YAML::Value
        << url(member.address, patroni.etcd_peer_port);
    out << YAML::Key << "listen-client-urls" << YAML::Value
        << url(listen_address, patroni.etcd_client_port) + "," +
               url("127.0.0.1", patroni.etcd_client_port);
    out << YAML::Key << "advertise-client-urls" << YAML::Value
        << url(member.address, patroni.etcd_client_port);
    out << YAML::Key << "initial-cluster" << YAML::Value << initial_cluster;
    out << YAML::Key << "initial-cluster-token" << YAML::Value << patroni.scope;
    out << YAML::Key << "initial-cluster-state" << YAML::Value << "new";
    // A configuration file turns the gRPC gateway off unless it says so (the flag's default is
    // on), and Patroni's etcd3 client talks to the v3 API through it.
    out << YAML::Key << "enable-grpc-gateway" << YAML::Value << true;
    out << YAML::EndMap;
    return "# Managed by pgrepl (handoff patroni): the etcd member " + member.name +
           " of Patroni's scope " + patroni.scope + ".\n" + std::string(out.c_str()) + "\n";
}

std::string etcdctl_endpoints(const Inventory& inventory) {
    std::string endpoints;
    for (const std::string& each : etcd_client_endpoints(inventory)) {
        if (!endpoints.empty()) endpoints += ",";
        endpoints += "http://" + each;
    }
    return endpoints;
}

}  // namespace pgrepl
