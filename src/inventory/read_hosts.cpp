// Reader of the `hosts:` list, with the checks that span several hosts.
#include <map>
#include <string_view>

#include "inventory/rules.hpp"
#include "inventory/sections.hpp"

namespace pgrepl::inventory_detail {
namespace {

/// What the cross-host checks need to know about one host beyond the model.
struct HostSeen {
    std::string label;         ///< "host 'db2'" or "host #2"
    SourceMark name_mark;      ///< position of the name value
    SourceMark address_mark;   ///< position of the address value
    SourceMark upstream_mark;  ///< position of the upstream value
    VersionSeen version;       ///< the host's own postgres.version, if any
    bool name_ok = false;      ///< name given and valid
    bool address_ok = false;   ///< address given and valid
    bool role_ok = false;      ///< role given and valid
    bool upstream_ok = false;  ///< upstream given and readable (not yet resolved)
};

std::string host_label(const YAML::Node& item, int number) {
    if (item.IsMap()) {
        const YAML::Node name = item["name"];
        if (name.IsScalar() && !name.Scalar().empty()) return "host " + quote_value(name.Scalar());
    }
    return "host #" + std::to_string(number);
}

void read_host(const YAML::Node& item, int number, Inventory& inventory, Host& host, HostSeen& seen,
               Diagnostics& diags) {
    seen.label = host_label(item, number);
    host.mark = mark_of(item);
    host.ssh = inventory.ssh;
    host.postgres = inventory.postgres;
    if (!item.IsMap()) {
        diags.add(item, seen.label + " must be a map with name, address and role, not " +
                            describe_kind(item));
        return;
    }
    const Section section(item, seen.label + " ", "in " + seen.label,
                          {"name", "address", "role", "upstream", "ssh", "postgres"}, diags);
    if (auto f = section.get("name")) {
        seen.name_mark = mark_of(f->value);
        const std::optional<std::string> text = read_text(*f, diags);
        if (text && is_inventory_name(*text)) {
            host.name = *text;
            seen.name_ok = true;
        } else if (text) {
            diags.add(f->value, "host name " + quote_value(*text) +
                                    " is not valid (lower-case letters, digits, '_' and '-', "
                                    "starting with a letter or digit; at most 63 characters)");
        }
    } else {
        report_missing(section, "name", diags);
    }
    if (auto f = section.get("address")) {
        seen.address_mark = mark_of(f->value);
        const std::optional<std::string> text = read_text(*f, diags);
        const std::string problem = text ? address_problem(*text) : std::string();
        if (text && problem.empty()) {
            host.address = *text;
            seen.address_ok = true;
        } else if (text) {
            diags.add(f->value, f->label + " " + quote_value(*text) + " " + problem);
        }
    } else {
        report_missing(section, "address", diags);
    }
    if (auto f = section.get("role")) {
        host.role_mark = mark_of(f->value);
        const auto role =
            read_enum<Role>(*f, {{"primary", Role::Primary}, {"replica", Role::Replica}}, diags);
        if (role) host.role = *role;
        seen.role_ok = role.has_value();
    } else {
        report_missing(section, "role", diags);
    }
    if (auto f = section.get("upstream")) {
        seen.upstream_mark = mark_of(f->value);
        if (auto text = read_text(*f, diags)) {
            host.upstream = *text;
            seen.upstream_ok = true;
        }
    }
    if (auto f = section.get("ssh")) read_ssh(*f, host.ssh, seen.label + " ", diags);
    if (auto f = section.get("postgres")) {
        read_postgres(*f, host.postgres, seen.label + " ", diags, seen.version);
    }
}

void check_unique(const Inventory& inventory, const std::vector<HostSeen>& seen,
                  Diagnostics& diags) {
    const std::vector<Host>& hosts = inventory.hosts;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (seen[i].name_ok && seen[j].name_ok && hosts[i].name == hosts[j].name) {
                diags.add(seen[i].name_mark, "two hosts are named " + quote_value(hosts[i].name) +
                                                 " (first at line " +
                                                 std::to_string(seen[j].name_mark.line) + ")");
                break;
            }
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (!seen[i].address_ok || !seen[j].address_ok ||
                normalize_address(hosts[i].address) != normalize_address(hosts[j].address)) {
                continue;
            }
            // One machine may carry several hosts when their ports keep them apart.
            const bool same_ssh = hosts[i].ssh.port == hosts[j].ssh.port;
            const bool same_pg = hosts[i].postgres.port == hosts[j].postgres.port;
            if (!same_ssh && !same_pg) continue;
            std::string what = "address " + quote_value(hosts[i].address);
            if (!same_pg) what += " and ssh port " + std::to_string(hosts[i].ssh.port);
            if (!same_ssh) what += " and postgres port " + std::to_string(hosts[i].postgres.port);
            diags.add(seen[i].address_mark, "two hosts have " + what + " (first at line " +
                                                std::to_string(seen[j].address_mark.line) + ")");
            break;
        }
    }
}

/// Checks roles; returns the index of the one primary, or -1.
int check_primary(const Field& field, const Inventory& inventory, const std::vector<HostSeen>& seen,
                  Diagnostics& diags) {
    int primary = -1;
    bool all_roles_known = true;
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        all_roles_known = all_roles_known && seen[i].role_ok;
        if (!seen[i].role_ok || inventory.hosts[i].role != Role::Primary) continue;
        if (primary < 0) {
            primary = static_cast<int>(i);
            continue;
        }
        diags.add(inventory.hosts[i].role_mark,
                  seen[i].label + " is also a primary (first is " +
                      (seen[primary].name_ok ? quote_value(inventory.hosts[primary].name)
                                             : seen[primary].label) +
                      " at line " + std::to_string(inventory.hosts[primary].role_mark.line) +
                      "); exactly one host must have role primary");
    }
    if (primary < 0 && all_roles_known) {
        diags.add(field.key, "no host has role primary (exactly one is required)");
    }
    return primary;
}

void check_upstreams(const Inventory& inventory, const std::vector<HostSeen>& seen,
                     Diagnostics& diags) {
    const std::vector<Host>& hosts = inventory.hosts;
    std::vector<std::string_view> names;
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (!seen[i].name_ok) continue;
        names.push_back(hosts[i].name);
        index.emplace(hosts[i].name, i);
    }
    std::vector<int> link(hosts.size(), -1);
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (!seen[i].upstream_ok) continue;
        const std::string& upstream = *hosts[i].upstream;
        const auto found = index.find(upstream);
        if (seen[i].role_ok && hosts[i].role == Role::Primary) {
            diags.add(seen[i].upstream_mark,
                      seen[i].label + " is the primary and cannot have an upstream");
        } else if (upstream == hosts[i].name) {
            diags.add(seen[i].upstream_mark, seen[i].label + " upstream is the host itself");
        } else if (found == index.end()) {
            diags.add(seen[i].upstream_mark, seen[i].label + " upstream " + quote_value(upstream) +
                                                 " is not a host of this inventory" +
                                                 did_you_mean(upstream, names));
        } else {
            link[i] = static_cast<int>(found->second);
        }
    }
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        // Walk at most n links; report a cycle once, at its first host in file order.
        std::vector<std::size_t> path{i};
        int next = link[i];
        bool smallest = true;
        while (next >= 0 && path.size() <= hosts.size() && static_cast<std::size_t>(next) != i) {
            smallest = smallest && static_cast<std::size_t>(next) > i;
            path.push_back(static_cast<std::size_t>(next));
            next = link[static_cast<std::size_t>(next)];
        }
        if (next < 0 || static_cast<std::size_t>(next) != i || !smallest) continue;
        std::string chain;
        for (std::size_t member : path) chain += hosts[member].name + " -> ";
        chain += hosts[i].name;
        diags.add(seen[i].upstream_mark, seen[i].label + " upstream forms a cycle: " + chain);
    }
}

void check_versions(const Inventory& inventory, const std::vector<HostSeen>& seen, int primary,
                    Diagnostics& diags) {
    if (primary < 0 || seen[primary].version.invalid) return;
    const Host& first = inventory.hosts[static_cast<std::size_t>(primary)];
    for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
        const Host& host = inventory.hosts[i];
        if (static_cast<int>(i) == primary || seen[i].version.invalid) continue;
        if (host.postgres.version == first.postgres.version) continue;
        const SourceMark at = seen[i].version.mark.line > 0 ? seen[i].version.mark : host.mark;
        diags.add(at, seen[i].label + " postgres.version " + host.postgres.version.to_string() +
                          " differs from the primary's (" + first.postgres.version.to_string() +
                          "); streaming replication needs the same major version");
    }
}

}  // namespace

void read_hosts(const Field& field, Inventory& inventory, const VersionSeen& cluster_version,
                Diagnostics& diags) {
    if (field.value.IsNull() || (field.value.IsSequence() && field.value.size() == 0)) {
        diags.add(field.key, "hosts is empty (one primary is required)");
        return;
    }
    if (!field.value.IsSequence()) {
        diags.add(field.value, "hosts must be a list, not " + describe_kind(field.value));
        return;
    }
    std::vector<HostSeen> seen;
    int number = 0;
    for (const YAML::Node& item : field.value) {
        Host host;
        HostSeen host_seen;
        read_host(item, ++number, inventory, host, host_seen, diags);
        inventory.hosts.push_back(std::move(host));
        seen.push_back(std::move(host_seen));
    }
    check_unique(inventory, seen, diags);
    const int primary = check_primary(field, inventory, seen, diags);
    check_upstreams(inventory, seen, diags);
    if (!cluster_version.invalid) check_versions(inventory, seen, primary, diags);
    std::vector<const VersionSeen*> host_postgres;
    for (const HostSeen& one : seen) host_postgres.push_back(&one.version);
    check_standby_settings(inventory, host_postgres, diags);
}

}  // namespace pgrepl::inventory_detail
