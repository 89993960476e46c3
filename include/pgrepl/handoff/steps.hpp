// The steps of `pgrepl handoff patroni` (docs/patroni.md): each checks from the host's
// snapshot, applies, and is checked again, like setup's.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "pgrepl/engine/step.hpp"
#include "pgrepl/pg/patroni.hpp"

namespace pgrepl {

/// How the host's daemons are run.
enum class ServiceManager {
    Systemd,   ///< PID 1 is systemd: etcd.service and patroni@V-NAME.service
    Detached,  ///< no systemd (containers, the lab): start-stop-daemon, a pid file under /run
};

/// The manager of the host in `snapshot` (it must have asked for /proc/1/comm's first line:
/// request_service_facts()).
ServiceManager service_manager_of(const HostSnapshot& snapshot);

/// Adds what service_manager_of() and the running checks need: /proc/1/comm and the process
/// list.
void request_service_facts(SnapshotRequest& request);

/// True when a line of `processes` (ps -eo pid=,args=) runs `program` with `argument`.
bool runs_process(std::string_view processes, std::string_view program, std::string_view argument);

/// True when the snapshot's process list shows etcd running with etcd_config_path().
bool etcd_runs(const HostSnapshot& snapshot);

/// True when the snapshot's process list shows Patroni running with the host's configuration
/// (patroni_config_path()).
bool patroni_runs(const HostSnapshot& snapshot, const Host& host);

/// `ha-packages`: etcd-server, etcd-client, patroni and python3-etcd3 on an etcd member
/// (patroni and python3-etcd3 elsewhere) are installed (their files are present); apply:
/// apt-get install.
std::unique_ptr<Step> make_ha_packages_step();

/// `etcd-config`: /etc/etcd/etcd.conf.yml is the member's rendering (and, under systemd, the
/// etcd.service drop-in that points etcd at it); a conflict when etcd already runs with another
/// configuration (membership changes are etcdctl's). Only on etcd members.
std::unique_ptr<Step> make_etcd_config_step();

/// `etcd`: etcd runs with that configuration; apply: starts it (systemd: enable and restart
/// etcd.service without waiting for the quorum; else start-stop-daemon as the etcd user).
std::unique_ptr<Step> make_etcd_step();

/// `patroni-config`: /etc/patroni/V-NAME.yml is render_patroni_config() (0600, postgres); its
/// diff shows the passwords as "********". A running Patroni is told to reload it.
std::unique_ptr<Step> make_patroni_config_step(std::string restapi_password);

/// `start.conf`: the cluster's start.conf says `manual`, so that the OS never starts a second
/// copy beside Patroni's (systemd: daemon-reload after the change).
std::unique_ptr<Step> make_start_conf_step();

/// `patroni`: Patroni runs the cluster. Patroni joins a running server without stopping it (a
/// primary keeps accepting writes); pgrepl's standby file gives way to Patroni's recovery
/// settings; apply waits until Patroni's REST API says the member runs in its role (/primary,
/// /replica). Refused below PostgreSQL 12.
std::unique_ptr<Step> make_patroni_step();

/// The shell words that print the HTTP status of GET `url` within `timeout_seconds`, retried
/// every 0.2 s until it is 200 (python3, which Patroni needs anyway); exit 1 with the last
/// answer on stderr when it never is.
std::string wait_http_ok_script(std::string_view url, int timeout_seconds);

}  // namespace pgrepl
