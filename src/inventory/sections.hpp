// Internal to the inventory parser: the readers of each part of the file.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inventory/yaml_fields.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl::inventory_detail {

/// What read_postgres saw of `version` and `settings`, for the cross-host checks.
struct VersionSeen {
    SourceMark mark;       ///< position of the `version` value (line 0 when absent)
    bool invalid = false;  ///< the value was given but refused
    std::map<std::string, SourceMark> setting_marks;  ///< name → position of its value
};

/// Reads a `postgres:` map into `into` (keys present override, settings are merged by name).
/// `owner` is "" for the cluster-wide block or "host 'db3' " for a host's override.
void read_postgres(const Field& field, PostgresOptions& into, const std::string& owner,
                   Diagnostics& diags, VersionSeen& version);

/// Reads an `ssh:` map into `into` (keys present override); `owner` as for read_postgres.
void read_ssh(const Field& field, SshOptions& into, const std::string& owner, Diagnostics& diags);

/// Reads the `access:` list.
std::vector<AccessRule> read_access(const Field& field, Diagnostics& diags);

/// Reads the `replication:` map. The archive host is checked later against the hosts, so its
/// field is handed back in `archive_host`.
void read_replication(const Field& field, ReplicationOptions& into, Diagnostics& diags,
                      std::optional<Field>& archive_host);

/// Reads `password_env` or `password_file` of `section` (one at most; the later key is
/// reported when both are given). `owner` names the section in messages ("replication").
void read_password_source(const Section& section, const std::string& owner,
                          std::optional<std::string>& env_into,
                          std::optional<std::string>& file_into, Diagnostics& diags);

/// Reads the `patroni:` map; called after the hosts, against which its etcd members and ports
/// are checked. Fills in the defaults: the scope is the cluster label, the members every host,
/// the REST API password comes from PGREPL_PATRONI_PASSWORD.
void read_patroni(const Field& field, Inventory& inventory, Diagnostics& diags);

/// Checks that no standby would run with less of a hot-standby parameter (max_connections,
/// max_prepared_transactions, max_locks_per_transaction, max_wal_senders,
/// max_worker_processes) than its upstream: recovery pauses there. Absent settings count with
/// PostgreSQL's defaults (pgrepl's for max_wal_senders). The error points at the standby's own
/// setting, else at the upstream's own setting, else at the host. `hosts` is parallel to
/// inventory.hosts.
void check_standby_settings(const Inventory& inventory,
                            const std::vector<const VersionSeen*>& hosts, Diagnostics& diags);

/// Reads the `hosts:` list; each host starts from the cluster-wide `ssh` and `postgres` options
/// of `inventory` and is appended to `inventory.hosts`. Checks names, addresses, roles,
/// upstreams and, unless the cluster-wide version was refused, versions across hosts.
void read_hosts(const Field& field, Inventory& inventory, const VersionSeen& cluster_version,
                Diagnostics& diags);

}  // namespace pgrepl::inventory_detail
