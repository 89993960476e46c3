// Patroni's configuration of a pgrepl cluster (Debian's patroni@ layout), rendered from the
// inventory: what `pgrepl handoff patroni` writes on each host (docs/patroni.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// The secrets a Patroni configuration file holds (it is written 0600, owned by postgres).
struct PatroniSecrets {
    std::string replication_password;  ///< replication.user's (and rewind_user's) password
    std::string restapi_password;      ///< the REST API password of patroni.restapi_user
};

/// One etcd member: its name in the etcd cluster and the address it listens on.
struct EtcdMember {
    std::string name;     ///< the inventory host name, or "etcdN" for an address (N from 1)
    std::string address;  ///< the host's inventory address, or the address as listed
};

/// The etcd members of patroni.dcs in order. Throws std::logic_error without a patroni section.
std::vector<EtcdMember> etcd_members(const Inventory& inventory);

/// `ADDRESS:PORT` of every member's client port, as Patroni's etcd3.hosts lists them; an IPv6
/// address is bracketed.
std::vector<std::string> etcd_client_endpoints(const Inventory& inventory);

/// `http://ADDRESS:PORT/PATH` of the host's Patroni REST API (patroni.restapi_port; an IPv6
/// address bracketed), e.g. patroni_rest_url(inventory, host, "primary").
std::string patroni_rest_url(const Inventory& inventory, const Host& host, std::string_view path);

/// `http://ADDRESS:PORT/health` of etcd `member`'s client URL (patroni.etcd_client_port).
std::string etcd_health_url(const Inventory& inventory, const EtcdMember& member);

/// Debian's place for the configuration of cluster V/NAME: /etc/patroni/V-NAME.yml (the
/// patroni@V-NAME unit reads it).
std::string patroni_config_path(const Host& host);

/// The parameters Patroni puts on PostgreSQL's command line (so they beat postgresql.conf), of
/// those pgrepl manages for `host`: wal_level, max_connections, max_wal_senders,
/// wal_keep_size or wal_keep_segments, max_prepared_transactions, max_locks_per_transaction,
/// track_commit_timestamp, max_replication_slots, max_worker_processes; values unquoted. They
/// go into the cluster-wide dynamic configuration, or Patroni's defaults would replace pgrepl's.
std::vector<std::pair<std::string, std::string>> patroni_command_line_parameters(
    const Inventory& inventory, const Host& host);

/// The Patroni 3.0 configuration of `host`: scope, the member name (the inventory host name,
/// so that Patroni's slot names are pgrepl's: slot_name_for() maps the same way), the REST API
/// on the host's address, etcd3 with every member, bootstrap.dcs with the timings, use_pg_rewind,
/// use_slots (replication.slots) and the command-line parameters; postgresql with Debian's
/// data, config and bin directories, listen and connect addresses, the superuser over the Unix
/// socket (peer, no password), the replication and rewind users, restore_command when the
/// cluster archives; and `replicatefrom` for a cascading replica. pg_hba is left out: Patroni
/// then leaves pgrepl's pg_hba.conf as it is. Throws std::logic_error without a patroni section.
std::string render_patroni_config(const Inventory& inventory, const Host& host,
                                  const PatroniSecrets& secrets);

/// The member of patroni.dcs that is `host` (listed by name or by its address), or nullopt
/// when etcd does not run there.
std::optional<EtcdMember> etcd_member_of(const Inventory& inventory, const Host& host);

/// Where `pgrepl handoff patroni` writes etcd's configuration: /etc/etcd/etcd.conf.yml (read by
/// `etcd --config-file`).
std::string etcd_config_path();

/// etcd's data directory for the cluster: /var/lib/etcd/SCOPE (Debian's etcd user owns
/// /var/lib/etcd; its own default member there is left alone).
std::string etcd_data_dir(const Inventory& inventory);

/// The etcd 3.4 configuration file of `member`: its name and data directory, the peer and
/// client URLs it listens on at `listen_address` (clients also on 127.0.0.1; etcd binds only
/// to IP addresses, so a member given by host name listens on what the name resolves to there),
/// the URLs it advertises at its inventory address, and the initial cluster of every member
/// with the scope as its token (initial-cluster-state new). Throws std::logic_error without a
/// patroni section.
std::string render_etcd_config(const Inventory& inventory, const EtcdMember& member,
                               const std::string& listen_address);

/// The `ADDRESS:PORT,...` of every member's client URL with http://, as etcdctl --endpoints
/// takes them.
std::string etcdctl_endpoints(const Inventory& inventory);

}  // namespace pgrepl
