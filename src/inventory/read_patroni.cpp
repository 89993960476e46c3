// Reader of the `patroni:` part of an inventory: what `pgrepl handoff patroni` needs.
#include <set>
#include <string_view>

#include "inventory/rules.hpp"
#include "inventory/sections.hpp"

namespace pgrepl::inventory_detail {
namespace {

constexpr const char* kDefaultPatroniPasswordEnv = "PGREPL_PATRONI_PASSWORD";

/// Reads `patroni.dcs`: a list of inventory host names or addresses, no repeats.
std::optional<std::vector<std::string>> read_dcs(const Field& field, const Inventory& inventory,
                                                 Diagnostics& diags) {
    if (!field.value.IsSequence() || field.value.size() == 0) {
        diags.add(field.value.IsNull() ? field.key : field.value,
                  field.label + " must be a non-empty list of host names or addresses, not " +
                      describe_kind(field.value));
        return std::nullopt;
    }
    std::vector<std::string> members;
    std::set<std::string> seen;
    bool ok = true;
    for (std::size_t i = 0; i < field.value.size(); ++i) {
        const Field item{field.value[i], field.value[i],
                         field.label + " entry " + std::to_string(i + 1)};
        const std::optional<std::string> text = read_text(item, diags);
        if (!text) {
            ok = false;
            continue;
        }
        const Host* host = inventory.find_host(*text);
        const std::string problem = host ? std::string() : address_problem(*text);
        if (!problem.empty()) {
            diags.add(item.value, item.label + " " + quote_value(*text) +
                                      " is not a host of this inventory and " + problem);
            ok = false;
            continue;
        }
        const std::string key = normalize_address(host ? host->address : *text);
        if (!seen.insert(key).second) {
            diags.add(item.value, item.label + " " + quote_value(*text) +
                                      " names an etcd member already listed");
            ok = false;
            continue;
        }
        members.push_back(*text);
    }
    if (!ok) return std::nullopt;
    return members;
}

/// Reports a port of Patroni or etcd that a host's PostgreSQL or another of them also uses.
void check_ports(const Section& section, const PatroniOptions& patroni, const Inventory& inventory,
                 Diagnostics& diags) {
    const std::pair<const char*, int> ports[] = {
        {"etcd_client_port", patroni.etcd_client_port},
        {"etcd_peer_port", patroni.etcd_peer_port},
        {"restapi_port", patroni.restapi_port},
    };
    for (std::size_t i = 0; i < std::size(ports); ++i) {
        const auto& [key, port] = ports[i];
        const std::optional<Field> field = section.get(key);
        const SourceMark at = field ? mark_of(field->value) : section.anchor();
        for (std::size_t j = 0; j < i; ++j) {
            if (ports[j].second == port) {
                diags.add(at, std::string("patroni.") + key + " " + std::to_string(port) +
                                  " is also patroni." + ports[j].first);
            }
        }
        for (const Host& host : inventory.hosts) {
            if (host.postgres.port == port) {
                diags.add(at, std::string("patroni.") + key + " " + std::to_string(port) +
                                  " is host '" + host.name + "' PostgreSQL port");
                break;
            }
        }
    }
}

}  // namespace

void read_patroni(const Field& field, Inventory& inventory, Diagnostics& diags) {
    const std::optional<YAML::Node> map = read_map(field, diags);
    if (!map) return;
    const Section section(
        *map, "patroni.", "in patroni",
        {"scope", "dcs", "allow_fewer_dcs_members", "etcd_client_port", "etcd_peer_port", "ttl",
         "loop_wait", "retry_timeout", "maximum_lag_on_failover", "restapi_port", "restapi_user",
         "password_env", "password_file"},
        diags, mark_of(field.key));
    PatroniOptions patroni;
    patroni.scope = inventory.cluster;
    if (auto f = section.get("scope")) {
        const std::optional<std::string> text = read_text(*f, diags);
        if (text && is_cluster_label(*text)) {
            patroni.scope = *text;
        } else if (text) {
            diags.add(f->value, f->label + " " + quote_value(*text) +
                                    " is not a valid scope (letters, digits, '_', '.' and '-', "
                                    "starting with a letter or digit; at most 63 characters)");
        }
    }
    if (auto f = section.get("allow_fewer_dcs_members")) {
        if (auto allowed = read_bool(*f, diags); allowed && *allowed)
            patroni.quorum = DcsQuorum::FewerAllowed;
    }
    const std::optional<Field> dcs = section.get("dcs");
    bool dcs_ok = true;
    if (dcs) {
        auto members = read_dcs(*dcs, inventory, diags);
        dcs_ok = members.has_value();
        if (members) patroni.dcs = std::move(*members);
    } else {
        for (const Host& host : inventory.hosts) patroni.dcs.push_back(host.name);
    }
    if (dcs_ok && patroni.dcs.size() < 3 && patroni.quorum == DcsQuorum::AtLeastThree &&
        !inventory.hosts.empty()) {
        const std::string count = std::to_string(patroni.dcs.size());
        diags.add(
            dcs ? mark_of(dcs->value) : mark_of(field.key),
            "patroni needs at least 3 etcd members, " +
                (dcs ? "patroni.dcs lists " + count : "the inventory has " + count + " hosts") +
                " (list 3 in patroni.dcs, or set patroni.allow_fewer_dcs_members: true "
                "and accept that the loss of any member stops automatic failover)");
    }
    const std::pair<const char*, int*> ports[] = {
        {"etcd_client_port", &patroni.etcd_client_port},
        {"etcd_peer_port", &patroni.etcd_peer_port},
        {"restapi_port", &patroni.restapi_port},
    };
    for (const auto& [key, into] : ports) {
        if (auto f = section.get(key)) {
            if (auto port = read_int(*f, 1, 65535, diags)) *into = *port;
        }
    }
    check_ports(section, patroni, inventory, diags);
    // Patroni's own lower bounds (it raises a smaller value to them without a word).
    const std::tuple<const char*, int*, int> timings[] = {
        {"ttl", &patroni.ttl, 20},
        {"loop_wait", &patroni.loop_wait, 1},
        {"retry_timeout", &patroni.retry_timeout, 3},
    };
    bool timings_ok = true;
    for (const auto& [key, into, min] : timings) {
        if (auto f = section.get(key)) {
            auto seconds = read_int(*f, min, 86400, diags);
            timings_ok = timings_ok && seconds.has_value();
            if (seconds) *into = *seconds;
        }
    }
    if (timings_ok && patroni.loop_wait + 2 * patroni.retry_timeout > patroni.ttl) {
        const std::optional<Field> ttl = section.get("ttl");
        diags.add(ttl ? mark_of(ttl->value) : mark_of(field.key),
                  "patroni.ttl " + std::to_string(patroni.ttl) +
                      " is less than loop_wait + 2 * retry_timeout (" +
                      std::to_string(patroni.loop_wait + 2 * patroni.retry_timeout) +
                      "): a leader could lose its key while it still retries");
    }
    if (auto f = section.get("maximum_lag_on_failover")) {
        if (auto bytes = read_int(*f, 0, 2147483647, diags))
            patroni.maximum_lag_on_failover = *bytes;
    }
    if (auto f = section.get("restapi_user")) {
        const std::optional<std::string> text = read_text(*f, diags);
        if (text && is_role_name(*text)) {
            patroni.restapi_user = *text;
        } else if (text) {
            diags.add(f->value, f->label + " " + quote_value(*text) +
                                    " is not a valid user name (lower-case letters, digits and "
                                    "'_', starting with a letter or '_'; at most 63)");
        }
    }
    read_password_source(section, "patroni", patroni.password_env, patroni.password_file, diags);
    if (!patroni.password_env && !patroni.password_file)
        patroni.password_env = kDefaultPatroniPasswordEnv;
    inventory.patroni = std::move(patroni);
}

}  // namespace pgrepl::inventory_detail
