#include "pgrepl/pg/paths.hpp"

namespace pgrepl {

ClusterPaths cluster_paths(const Host& host) {
    const auto version = host.postgres.version.to_string();
    const auto& name = host.postgres.cluster_name;
    ClusterPaths paths;
    paths.conf_dir = "/etc/postgresql/" + version + "/" + name;
    paths.data_dir = "/var/lib/postgresql/" + version + "/" + name;
    paths.hba_file = paths.conf_dir + "/pg_hba.conf";
    paths.managed_conf = paths.conf_dir + "/conf.d/pgrepl.conf";
    paths.standby_conf = paths.conf_dir + "/conf.d/pgrepl-standby.conf";
    paths.log_file = "/var/log/postgresql/postgresql-" + version + "-" + name + ".log";
    paths.passfile = "/var/lib/postgresql/.pgrepl-" + version + "-" + name + ".pgpass";
    paths.start_conf = paths.conf_dir + "/start.conf";
    paths.fence_file = paths.conf_dir + "/pgrepl.fenced";
    paths.clone_marker = paths.conf_dir + "/pgrepl.cloning";
    paths.fresh_marker = paths.conf_dir + "/pgrepl.fresh";
    paths.switchover_marker = paths.conf_dir + "/pgrepl.switchover";
    paths.slot_record = paths.conf_dir + "/pgrepl.slots";
    paths.trigger_file = "/var/lib/postgresql/" + version + "/" + name + ".promote";
    return paths;
}

std::string recovery_conf_path(const std::string& data_dir) {
    return data_dir + "/recovery.conf";
}

std::string standby_signal_path(const std::string& data_dir) {
    return data_dir + "/standby.signal";
}

}  // namespace pgrepl
