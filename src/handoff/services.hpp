// How handoff runs etcd and Patroni on a host, with systemd or without (internal to
// src/handoff/).
#pragma once

#include <string>

#include "pgrepl/handoff/steps.hpp"

namespace pgrepl::handoff {

/// "V-NAME", the instance of the patroni@ unit and of its configuration file.
std::string patroni_instance(const Host& host);

/// /var/log/postgresql/patroni-V-NAME.log: Patroni's output without systemd.
std::string patroni_log_file(const Host& host);

/// /var/lib/etcd/SCOPE.log: etcd's output without systemd.
std::string etcd_log_file(const Inventory& inventory);

/// /etc/systemd/system/etcd.service.d/pgrepl.conf: points Debian's etcd.service at
/// etcd_config_path() (written only where PID 1 is systemd).
std::string etcd_dropin_path();

/// The drop-in's content.
std::string render_etcd_dropin();

/// The command line etcd runs with: `/usr/bin/etcd --config-file /etc/etcd/etcd.conf.yml`.
std::string etcd_command_line();

/// The shell text that starts etcd (systemd: enable and restart etcd.service, not waiting for
/// the quorum; else start-stop-daemon as the etcd user, output to etcd_log_file()).
std::string etcd_start_script(ServiceManager manager, const Inventory& inventory);

/// The shell text that starts Patroni for the host's cluster (systemd: enable and start
/// patroni@V-NAME; else start-stop-daemon as postgres, output to patroni_log_file()).
std::string patroni_start_script(ServiceManager manager, const Host& host);

/// The shell text that makes a running Patroni re-read its configuration (SIGHUP).
std::string patroni_reload_script(ServiceManager manager, const Host& host);

}  // namespace pgrepl::handoff
