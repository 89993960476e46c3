// render_inventory: the resolved inventory as YAML, every default filled in, no secret.
#include <yaml-cpp/yaml.h>

#include "pgrepl/inventory/load.hpp"

namespace pgrepl {
namespace {

void emit_ssh(YAML::Emitter& out, const SshOptions& ssh) {
    out << YAML::BeginMap;
    out << YAML::Key << "user" << YAML::Value << ssh.user;
    out << YAML::Key << "port" << YAML::Value << ssh.port;
    if (ssh.identity_file) out << YAML::Key << "identity_file" << YAML::Value << *ssh.identity_file;
    out << YAML::Key << "known_hosts" << YAML::Value << ssh.known_hosts;
    out << YAML::Key << "host_key_checking" << YAML::Value << to_string(ssh.host_key_checking);
    out << YAML::Key << "become" << YAML::Value << to_string(ssh.become);
    out << YAML::Key << "connect_timeout" << YAML::Value << ssh.connect_timeout;
    out << YAML::EndMap;
}

void emit_postgres(YAML::Emitter& out, const PostgresOptions& postgres) {
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << postgres.version.to_string();
    out << YAML::Key << "cluster_name" << YAML::Value << postgres.cluster_name;
    out << YAML::Key << "port" << YAML::Value << postgres.port;
    out << YAML::Key << "settings" << YAML::Value;
    if (postgres.settings.empty()) out << YAML::Flow;
    out << YAML::BeginMap;
    for (const auto& [name, value] : postgres.settings) {
        out << YAML::Key << name << YAML::Value << value;
    }
    out << YAML::EndMap;
    out << YAML::EndMap;
}

/// Only the name of a password source: the secret itself is never read here.
void emit_password_source(YAML::Emitter& out, const std::optional<std::string>& env,
                          const std::optional<std::string>& file) {
    if (file) {
        out << YAML::Key << "password_file" << YAML::Value << *file;
    } else if (env) {
        out << YAML::Key << "password_env" << YAML::Value << *env;
    }
}

void emit_archive(YAML::Emitter& out, const ArchiveOptions& archive) {
    out << YAML::BeginMap;
    out << YAML::Key << "method" << YAML::Value << to_string(archive.method);
    if (archive.method != ArchiveMethod::None) {
        out << YAML::Key << "timeout" << YAML::Value << archive.timeout;
    }
    switch (archive.method) {
        case ArchiveMethod::Ssh:
            out << YAML::Key << "host" << YAML::Value << archive.host;
            out << YAML::Key << "path" << YAML::Value << archive.path;
            break;
        case ArchiveMethod::PgBackRest:
            out << YAML::Key << "stanza" << YAML::Value << archive.stanza;
            break;
        case ArchiveMethod::Command:
            out << YAML::Key << "archive_command" << YAML::Value << archive.archive_command;
            out << YAML::Key << "restore_command" << YAML::Value << archive.restore_command;
            break;
        case ArchiveMethod::None:
        case ArchiveMethod::WalG:
            break;
    }
    out << YAML::EndMap;
}

void emit_replication(YAML::Emitter& out, const ReplicationOptions& replication) {
    out << YAML::BeginMap;
    out << YAML::Key << "user" << YAML::Value << replication.user;
    out << YAML::Key << "rewind_user" << YAML::Value << replication.rewind_user;
    emit_password_source(out, replication.password_env, replication.password_file);
    out << YAML::Key << "slots" << YAML::Value << replication.slots;
    if (replication.parallel_clones) {
        out << YAML::Key << "parallel_clones" << YAML::Value << *replication.parallel_clones;
    }
    out << YAML::Key << "archive" << YAML::Value;
    emit_archive(out, replication.archive);
    out << YAML::EndMap;
}

void emit_access(YAML::Emitter& out, const std::vector<AccessRule>& access) {
    if (access.empty()) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const AccessRule& rule : access) {
        out << YAML::BeginMap;
        out << YAML::Key << "type" << YAML::Value << rule.type;
        out << YAML::Key << "database" << YAML::Value << rule.database;
        out << YAML::Key << "user" << YAML::Value << rule.user;
        if (rule.type != "local") out << YAML::Key << "address" << YAML::Value << rule.address;
        out << YAML::Key << "method" << YAML::Value << rule.method;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

void emit_patroni(YAML::Emitter& out, const PatroniOptions& patroni) {
    out << YAML::BeginMap;
    out << YAML::Key << "scope" << YAML::Value << patroni.scope;
    out << YAML::Key << "dcs" << YAML::Value << YAML::Flow << patroni.dcs;
    out << YAML::Key << "allow_fewer_dcs_members" << YAML::Value
        << (patroni.quorum == DcsQuorum::FewerAllowed);
    out << YAML::Key << "etcd_client_port" << YAML::Value << patroni.etcd_client_port;
    out << YAML::Key << "etcd_peer_port" << YAML::Value << patroni.etcd_peer_port;
    out << YAML::Key << "ttl" << YAML::Value << patroni.ttl;
    out << YAML::Key << "loop_wait" << YAML::Value << patroni.loop_wait;
    out << YAML::Key << "retry_timeout" << YAML::Value << patroni.retry_timeout;
    out << YAML::Key << "maximum_lag_on_failover" << YAML::Value << patroni.maximum_lag_on_failover;
    out << YAML::Key << "restapi_port" << YAML::Value << patroni.restapi_port;
    out << YAML::Key << "restapi_user" << YAML::Value << patroni.restapi_user;
    emit_password_source(out, patroni.password_env, patroni.password_file);
    out << YAML::EndMap;
}

void emit_host(YAML::Emitter& out, const Host& host) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << host.name;
    out << YAML::Key << "address" << YAML::Value << host.address;
    out << YAML::Key << "role" << YAML::Value << to_string(host.role);
    if (host.upstream) out << YAML::Key << "upstream" << YAML::Value << *host.upstream;
    out << YAML::Key << "ssh" << YAML::Value;
    emit_ssh(out, host.ssh);
    out << YAML::Key << "postgres" << YAML::Value;
    emit_postgres(out, host.postgres);
    out << YAML::EndMap;
}

}  // namespace

std::string render_inventory(const Inventory& inventory) {
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetBoolFormat(YAML::TrueFalseBool);
    out << YAML::BeginMap;
    out << YAML::Key << "cluster" << YAML::Value << inventory.cluster;
    out << YAML::Key << "postgres" << YAML::Value;
    emit_postgres(out, inventory.postgres);
    out << YAML::Key << "replication" << YAML::Value;
    emit_replication(out, inventory.replication);
    out << YAML::Key << "ssh" << YAML::Value;
    emit_ssh(out, inventory.ssh);
    out << YAML::Key << "access" << YAML::Value;
    emit_access(out, inventory.access);
    out << YAML::Key << "hosts" << YAML::Value;
    out << YAML::BeginSeq;
    for (const Host& host : inventory.hosts) emit_host(out, host);
    out << YAML::EndSeq;
    if (inventory.patroni) {
        out << YAML::Key << "patroni" << YAML::Value;
        emit_patroni(out, *inventory.patroni);
    }
    out << YAML::EndMap;
    return "# resolved inventory: every default filled in, per-host ssh and postgres blocks are\n"
           "# the effective values; the replication password itself is never shown\n" +
           std::string(out.c_str()) + "\n";
}

}  // namespace pgrepl
