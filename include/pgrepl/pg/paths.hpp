// Where a Debian postgresql-common cluster keeps its files.
#pragma once

#include <string>

#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// The paths pgrepl reads and writes for one cluster.
struct ClusterPaths {
    std::string conf_dir;  ///< /etc/postgresql/V/NAME
    std::string data_dir;  ///< /var/lib/postgresql/V/NAME (the default; pg_lsclusters may differ)
    std::string hba_file;  ///< conf_dir/pg_hba.conf
    std::string managed_conf;  ///< conf_dir/conf.d/pgrepl.conf (settings step)
    std::string standby_conf;  ///< conf_dir/conf.d/pgrepl-standby.conf (PG 12+ standby settings)
    std::string log_file;      ///< /var/log/postgresql/postgresql-V-NAME.log
    std::string passfile;      ///< /var/lib/postgresql/.pgrepl-V-NAME.pgpass (0600, postgres)
    std::string trigger_file;  ///< /var/lib/postgresql/V/NAME.promote (pre-12 trigger_file)
    std::string start_conf;    ///< conf_dir/start.conf (postgresql-common: auto, manual, disabled)
    std::string
        fence_file;  ///< conf_dir/pgrepl.fenced: written by promote when it fences a primary
    /// conf_dir/pgrepl.switchover: written by switchover when it stops the primary, removed
    /// once that host streams from the new primary (or runs as the primary again after an
    /// abort); a run killed in between is resumed by it
    std::string switchover_marker;
    /// conf_dir/pgrepl.cloning: written by the replica step before it clones into the data
    /// directory, removed once the standby streams (an interrupted clone is recognised by it)
    std::string clone_marker;
    /// conf_dir/pgrepl.fresh: written by the cluster step right after it created a replica's
    /// cluster (initdb only, never started), holding that data directory's system identifier;
    /// the replica step clones over such a directory without starting it first
    std::string fresh_marker;
    /// conf_dir/pgrepl.slots: the replication slots pgrepl's slots step created or uses on this
    /// cluster, one name a line (only a slot named here is ever dropped by setup)
    std::string slot_record;
};

/// The paths of the cluster described by a host's postgres options.
ClusterPaths cluster_paths(const Host& host);

/// recovery.conf (before 12) or standby.signal (12+) inside `data_dir`.
std::string recovery_conf_path(const std::string& data_dir);
/// standby.signal inside `data_dir`.
std::string standby_signal_path(const std::string& data_dir);

}  // namespace pgrepl
