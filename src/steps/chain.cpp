// The order of steps on a host.
#include "pgrepl/steps/archive.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {

std::vector<std::unique_ptr<Step>> restart_steps_for() {
    std::vector<std::unique_ptr<Step>> steps;
    steps.push_back(make_settings_step());
    steps.push_back(make_restart_step());
    return steps;
}

std::vector<std::unique_ptr<Step>> steps_for(const Inventory& inventory, const Host& host) {
    std::vector<std::string> downstream;
    for (const auto& other : inventory.hosts) {
        if (other.role == Role::Replica && &inventory.upstream_of(other) == &host)
            downstream.push_back(other.name);
    }
    std::vector<std::unique_ptr<Step>> steps;
    steps.push_back(make_packages_step());
    steps.push_back(make_cluster_step());
    // Before settings turns archive_mode on (and before a replica may need restore_command):
    // the archive must accept this node's segments first.
    const auto method = inventory.replication.archive.method;
    if (method != ArchiveMethod::None && method != ArchiveMethod::Command)
        steps.push_back(make_archive_step());
    steps.push_back(make_settings_step());
    steps.push_back(make_hba_step());
    if (host.role == Role::Primary) {
        // Restart before the role step: its login test needs listen_addresses in effect.
        steps.push_back(make_restart_step());
        steps.push_back(make_passfile_step());
        steps.push_back(make_role_step());
        steps.push_back(make_rewind_role_step());
    } else {
        steps.push_back(make_passfile_step());
        steps.push_back(make_replica_step());
        steps.push_back(make_restart_step());
    }
    // On every host, also without downstreams: it drops pgrepl's slots of removed replicas.
    if (inventory.replication.slots) steps.push_back(make_slots_step(downstream));
    return steps;
}

}  // namespace pgrepl
