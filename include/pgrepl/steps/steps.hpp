// The setup steps, one file each under src/steps/. See docs/steps.md for what each one checks,
// changes and when it restarts PostgreSQL.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pgrepl/engine/step.hpp"
#include "pgrepl/pg/settings.hpp"
#include "pgrepl/pg/settings_check.hpp"

namespace pgrepl {

/// packages: postgresql-V is installed (dpkg-query), else `apt-get install -y`.
std::unique_ptr<Step> make_packages_step();
/// cluster: the cluster V/NAME exists with the inventory's port and is running (a new primary is
/// created stopped: the restart step starts it once, with its settings).
std::unique_ptr<Step> make_cluster_step();
/// settings: the managed drop-in conf.d/pgrepl.conf; reload after a change; conflicts reported.
std::unique_ptr<Step> make_settings_step();
/// pg_hba: the managed block of replication and access rules before every other rule.
std::unique_ptr<Step> make_hba_step();
/// restart: restart the server when a setting waits for it (in check mode: would wait); start a
/// stopped primary (a new cluster's first start, after its settings and pg_hba).
std::unique_ptr<Step> make_restart_step();
/// passfile: the postgres user's 0600 password file for replication connections.
std::unique_ptr<Step> make_passfile_step();
/// role: the replication role with REPLICATION LOGIN and the inventory's password.
std::unique_ptr<Step> make_role_step();
/// rewind_role: the role pg_rewind logs in as (LOGIN, pg_rewind's EXECUTE grants; 11+).
std::unique_ptr<Step> make_rewind_role_step();
/// slots: one physical slot per downstream replica (by the replicas' host names).
std::unique_ptr<Step> make_slots_step(std::vector<std::string> downstream_hosts);
/// replica: the host is a streaming hot standby of its upstream (clone when needed, guarded).
std::unique_ptr<Step> make_replica_step();

/// The pg_settings rows of the managed settings in a snapshot taken with the settings step's
/// request (empty when the server does not run); an Error when psql's answer is malformed.
Result<std::vector<SettingRow>> managed_setting_rows(const HostSnapshot& snapshot);

/// The settings and restart steps alone, in chain order: what setup runs first on the standbys
/// when a hot-standby parameter rises on their upstream.
std::vector<std::unique_ptr<Step>> restart_steps_for();

/// The chain of steps for `host` in order (primary or replica; slots when it has downstreams).
std::vector<std::unique_ptr<Step>> steps_for(const Inventory& inventory, const Host& host);

}  // namespace pgrepl
