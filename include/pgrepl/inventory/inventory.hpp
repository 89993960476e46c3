// The inventory: the resolved, validated description of a cluster (every default filled in).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgrepl {

/// A position in the inventory file (1-based), for error messages.
struct SourceMark {
    int line = 0;    ///< 1-based line, 0 when unknown
    int column = 0;  ///< 1-based column, 0 when unknown
};

/// A PostgreSQL major version: 9.6 is {9, 6}; 10 and later are {N, 0}.
struct PgVersion {
    int major = 15;  ///< 9 or 10..17
    int minor = 0;   ///< 6 for 9.6, else 0

    /// "9.6" or "15": the form used in package names and Debian paths.
    std::string to_string() const;
    /// A single comparable number: 906 for 9.6, 1500 for 15.
    int number() const { return major * 100 + minor; }
    /// Equal versions.
    bool operator==(const PgVersion&) const = default;
};

/// How host keys are checked.
enum class HostKeyChecking {
    Strict,     ///< only keys already in known_hosts are accepted
    AcceptNew,  ///< unknown keys are recorded; changed keys are still refused
};

/// Whether commands are wrapped in sudo.
enum class Become {
    Auto,   ///< `sudo -n` when the SSH user is not root
    Never,  ///< never use sudo
};

/// The role a host has in the inventory (the live role may differ after a failover).
enum class Role { Primary, Replica };

/// How to reach a host over SSH.
struct SshOptions {
    std::string user = "root";                 ///< login user
    int port = 22;                             ///< TCP port
    std::optional<std::string> identity_file;  ///< private key file, as written ("~/" not expanded)
    std::string known_hosts = "~/.ssh/known_hosts";  ///< as written: the SSH layer expands "~/"
    HostKeyChecking host_key_checking = HostKeyChecking::Strict;  ///< strict or accept-new
    Become become = Become::Auto;                                 ///< sudo policy
    int connect_timeout = 10;                                     ///< seconds

    /// Field-wise equality.
    bool operator==(const SshOptions&) const = default;
};

/// PostgreSQL options of a node.
struct PostgresOptions {
    PgVersion version;                                          ///< major version
    std::string cluster_name = "main";                          ///< postgresql-common cluster name
    int port = 5432;                                            ///< server port
    std::vector<std::pair<std::string, std::string>> settings;  ///< extra postgresql.conf settings

    /// Field-wise equality.
    bool operator==(const PostgresOptions&) const = default;
};

/// WAL archiving methods (see docs/inventory.md).
enum class ArchiveMethod { None, Ssh, WalG, PgBackRest, Command };

/// WAL archiving options.
struct ArchiveOptions {
    ArchiveMethod method = ArchiveMethod::None;  ///< how segments are archived
    int timeout = 60;                            ///< archive_timeout in seconds
    std::string host;                            ///< ssh: archive host (inventory name or address)
    std::string path = "/var/lib/postgresql/wal-archive";  ///< ssh: archive directory
    std::string stanza = "main";                           ///< pgbackrest stanza
    std::string archive_command;                           ///< command: archive_command template
    std::string restore_command;                           ///< command: restore_command template

    /// Field-wise equality.
    bool operator==(const ArchiveOptions&) const = default;
};

/// Replication options.
struct ReplicationOptions {
    std::string user = "replicator";  ///< replication role name
    /// The role pg_rewind logs in as (LOGIN and the EXECUTE grants it needs, PostgreSQL 11+);
    /// it shares the replication password (docs/inventory.md says why).
    std::string rewind_user = "pgrepl_rewind";
    std::optional<std::string> password_env;   ///< environment variable with the password
    std::optional<std::string> password_file;  ///< file with the password (0600)
    bool slots = true;                         ///< one physical slot per replica
    /// How many replicas setup clones from one upstream at once; unset: what the upstream's
    /// max_wal_senders leaves (clone_limit(), docs/inventory.md)
    std::optional<int> parallel_clones;
    ArchiveOptions archive;  ///< WAL archiving

    /// Field-wise equality.
    bool operator==(const ReplicationOptions&) const = default;
};

/// One application entry of pg_hba.conf (the inventory's `access:` list).
struct AccessRule {
    std::string type = "host";             ///< host, hostssl, hostnossl, local
    std::string database = "all";          ///< database name(s)
    std::string user = "all";              ///< user name(s)
    std::string address;                   ///< CIDR or host name (empty for local)
    std::string method = "scram-sha-256";  ///< authentication method

    /// Field-wise equality.
    bool operator==(const AccessRule&) const = default;
};

/// Whether an etcd cluster of fewer than 3 members is accepted (patroni.dcs).
enum class DcsQuorum {
    AtLeastThree,  ///< refused below 3 members: 2 lose their quorum with either one
    FewerAllowed,  ///< `allow_fewer_dcs_members: true`: the user accepts that risk
};

/// The `patroni:` section: how `pgrepl handoff patroni` hands the cluster to Patroni + etcd
/// (docs/patroni.md). Timings default to Patroni's own defaults.
struct PatroniOptions {
    std::string scope;  ///< Patroni's scope (its key in etcd); defaults to the cluster label
    /// The etcd members: inventory host names or addresses, in file order; defaults to every
    /// host of the inventory
    std::vector<std::string> dcs;
    DcsQuorum quorum = DcsQuorum::AtLeastThree;  ///< whether fewer than 3 members are accepted
    int etcd_client_port = 2379;                 ///< etcd's client port on every member
    int etcd_peer_port = 2380;                   ///< etcd's peer port on every member
    int ttl = 30;                                ///< leader key TTL, seconds
    int loop_wait = 10;                          ///< seconds between Patroni's HA loops
    int retry_timeout = 10;                      ///< DCS and PostgreSQL retry timeout, seconds
    int maximum_lag_on_failover = 1048576;       ///< bytes a replica may lag and still be promoted
    int restapi_port = 8008;                     ///< Patroni's REST API port on every host
    std::string restapi_user = "patroni";        ///< REST API user for unsafe endpoints
    std::optional<std::string> password_env;     ///< variable with the REST API password
    std::optional<std::string> password_file;    ///< file with the REST API password (0600)

    /// Field-wise equality.
    bool operator==(const PatroniOptions&) const = default;
};

/// One host of the inventory, with per-host overrides already merged in.
struct Host {
    std::string name;                     ///< unique name, [a-z0-9][a-z0-9_-]*
    std::string address;                  ///< IP address or host name
    Role role = Role::Replica;            ///< inventory role
    std::optional<std::string> upstream;  ///< name of the upstream host (cascading replica)
    SshOptions ssh;                       ///< effective SSH options
    PostgresOptions postgres;             ///< effective PostgreSQL options
    SourceMark mark;                      ///< where the host's entry starts in the file
    SourceMark role_mark;                 ///< where its `role:` value is (for --update-inventory)
};

/// The whole inventory.
struct Inventory {
    std::string path;                       ///< file it was read from
    std::string cluster;                    ///< label; defaults to the file's stem
    PostgresOptions postgres;               ///< cluster-wide PostgreSQL options
    ReplicationOptions replication;         ///< replication options
    SshOptions ssh;                         ///< cluster-wide SSH options
    std::vector<AccessRule> access;         ///< application pg_hba entries
    std::vector<Host> hosts;                ///< every host, in file order
    std::optional<PatroniOptions> patroni;  ///< the `patroni:` section, when present

    /// The host with this name, or nullptr.
    const Host* find_host(const std::string& name) const;
    /// The position in `hosts` of the host with this name, or std::nullopt.
    std::optional<std::size_t> index_of(const std::string& name) const;
    /// The host with role primary (validation guarantees exactly one).
    const Host& primary() const;
    /// The host a replica streams from: its upstream, else the primary.
    const Host& upstream_of(const Host& host) const;
    /// pgrepl's max_wal_senders on every host when postgres.settings gives none: 10, or two
    /// per replica plus two when that is more. A sender per streaming standby, a second one
    /// while it clones (pg_basebackup -X stream), and pgrepl's replication login checks (one
    /// per standby, brief) all draw from the same pool: 1+8 needs 18.
    int default_max_wal_senders() const;
};

/// The host's postgres.settings value of `name` as an integer; `fallback` when the host does
/// not set it; std::nullopt when its value is not a plain integer.
std::optional<long long> integer_setting(const Host& host, std::string_view name,
                                         long long fallback);

/// "primary" or "replica".
const char* to_string(Role role);
/// "strict" or "accept-new".
const char* to_string(HostKeyChecking checking);
/// "auto" or "never".
const char* to_string(Become become);
/// "none", "ssh", "wal-g", "pgbackrest" or "command".
const char* to_string(ArchiveMethod method);

}  // namespace pgrepl
