// Internal to the inventory parser: the readers of each part of the file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "inventory/yaml_fields.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl::inventory_detail {

/// What read_postgres saw of `version`, for the cross-host version check.
struct VersionSeen {
    SourceMark mark;       ///< position of the `version` value (line 0 when absent)
    bool invalid = false;  ///< the value was given but refused
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

/// Reads the `hosts:` list; each host starts from the cluster-wide `ssh` and `postgres` options
/// of `inventory` and is appended to `inventory.hosts`. Checks names, addresses, roles,
/// upstreams and, unless the cluster-wide version was refused, versions across hosts.
void read_hosts(const Field& field, Inventory& inventory, const VersionSeen& cluster_version,
                Diagnostics& diags);

}  // namespace pgrepl::inventory_detail
