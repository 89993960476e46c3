// Readers of the `postgres:`, `ssh:` and `access:` parts of an inventory.
#include <algorithm>
#include <string_view>
#include <utility>

#include "inventory/rules.hpp"
#include "inventory/sections.hpp"

namespace pgrepl::inventory_detail {
namespace {

constexpr std::string_view kSupportedVersions = "supported: 9.6, 10 to 17";

std::optional<PgVersion> read_version(const Field& field, Diagnostics& diags) {
    const std::optional<std::string> text = read_text(field, diags);
    if (!text) return std::nullopt;
    if (*text == "9.6") return PgVersion{9, 6};
    const bool numeric = text->find_first_not_of("0123456789.") == std::string::npos &&
                         text->front() != '.' && text->back() != '.' &&
                         std::count(text->begin(), text->end(), '.') <= 1;
    if (!numeric) {
        diags.add(field.value, field.label + " " + quote_value(*text) +
                                   " is not a PostgreSQL major version (" +
                                   std::string(kSupportedVersions) + ")");
        return std::nullopt;
    }
    if (text->find('.') == std::string::npos && text->size() <= 2) {
        const int major = std::stoi(*text);
        if (major >= 10 && major <= 17 && text->front() != '0') return PgVersion{major, 0};
    }
    diags.add(field.value, field.label + " " + *text + " is not supported (" +
                               std::string(kSupportedVersions) + ")");
    return std::nullopt;
}

/// Settings pgrepl writes itself, or that would break the postgresql-common layout.
std::string_view reserved_setting_hint(std::string_view name) {
    static const std::pair<std::string_view, std::string_view> kReserved[] = {
        {"port", "use postgres.port"},
        {"primary_conninfo", "pgrepl sets it on each replica"},
        {"primary_slot_name", "pgrepl sets it on each replica (see replication.slots)"},
        {"archive_mode", "use replication.archive"},
        {"archive_command", "use replication.archive"},
        {"archive_timeout", "use replication.archive.timeout"},
        {"restore_command", "use replication.archive"},
        {"archive_cleanup_command", "set with replication.archive (method ssh)"},
        {"recovery_target_timeline", "pgrepl sets 'latest' on each replica"},
        {"data_directory", "fixed by the postgresql-common layout"},
        {"config_file", "fixed by the postgresql-common layout"},
        {"hba_file", "fixed by the postgresql-common layout"},
        {"ident_file", "fixed by the postgresql-common layout"},
        {"include", "include directives are not supported"},
        {"include_dir", "include directives are not supported"},
        {"include_if_exists", "include directives are not supported"},
    };
    for (const auto& [reserved, hint] : kReserved) {
        if (reserved == name) return hint;
    }
    return {};
}

// Whether a unix_socket_directories value lists Debian's socket directory, over which pgrepl's
// psql, pg_isready and postgresql-common's own tools reach the server.
bool lists_default_socket(std::string_view value) {
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        std::string_view entry = value.substr(0, comma);
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
        const auto first = entry.find_first_not_of(" \t\"");
        if (first == std::string_view::npos) continue;
        entry = entry.substr(first, entry.find_last_not_of(" \t\"/") + 1 - first);
        if (entry == "/var/run/postgresql" || entry == "/run/postgresql") return true;
    }
    return false;
}

void read_settings(const Field& field, std::vector<std::pair<std::string, std::string>>& into,
                   std::map<std::string, SourceMark>& marks, Diagnostics& diags) {
    const std::optional<YAML::Node> map = read_map(field, diags);
    if (!map) return;
    const Section section(*map, field.label + ".", "in " + field.label, {}, diags);
    for (const Field& setting : section.fields()) {
        const std::string& name = setting.key.Scalar();
        if (!is_setting_name(name)) {
            diags.add(setting.key, field.label + " name " + quote_value(name) +
                                       " is not a valid parameter name (lower-case letters, "
                                       "digits, '_' and '.', starting with a letter or '_')");
            continue;
        }
        const std::string_view hint = reserved_setting_hint(name);
        if (!hint.empty()) {
            diags.add(setting.key,
                      setting.label + " is managed by pgrepl (" + std::string(hint) + ")");
            continue;
        }
        const std::optional<std::string> value = read_text(setting, diags, Empty::Allowed);
        if (!value) continue;
        if (name == "unix_socket_directories" && !lists_default_socket(*value)) {
            diags.add(setting.value,
                      setting.label + " " + quote_value(*value) +
                          " must list /var/run/postgresql: pgrepl and postgresql-common connect "
                          "to the server over that socket (e.g. '/var/run/postgresql, /tmp')");
            continue;
        }
        marks[name] = mark_of(setting.value);
        bool replaced = false;
        for (auto& [existing, existing_value] : into) {
            if (existing == name) {
                existing_value = *value;
                replaced = true;
            }
        }
        if (!replaced) into.emplace_back(name, *value);
    }
}

std::optional<std::string> read_path(const Field& field, Diagnostics& diags) {
    std::optional<std::string> text = read_text(field, diags);
    if (!text) return std::nullopt;
    const std::string problem = local_path_problem(*text);
    if (!problem.empty()) {
        diags.add(field.value, field.label + " " + quote_value(*text) + " " + problem);
        return std::nullopt;
    }
    return text;
}

std::optional<AccessRule> read_access_rule(const YAML::Node& item, int number, Diagnostics& diags) {
    const std::string owner = "access entry " + std::to_string(number);
    if (!item.IsMap()) {
        diags.add(item, owner + " must be a map (type, database, user, address, method), not " +
                            describe_kind(item));
        return std::nullopt;
    }
    const Section section(item, owner + " ", "in " + owner,
                          {"type", "database", "user", "address", "method"}, diags);
    AccessRule rule;
    bool ok = true;
    if (auto field = section.get("type")) {
        const auto type = read_enum<std::string_view>(*field,
                                                      {{"host", "host"},
                                                       {"hostssl", "hostssl"},
                                                       {"hostnossl", "hostnossl"},
                                                       {"local", "local"}},
                                                      diags);
        if (type) rule.type = std::string(*type);
        ok = ok && type.has_value();
    }
    for (const char* key : {"database", "user"}) {
        auto field = section.get(key);
        if (!field) continue;
        const std::optional<std::string> text = read_text(*field, diags);
        if (text && !is_hba_token(*text)) {
            diags.add(field->value, field->label + " " + quote_value(*text) +
                                        " is not valid (letters, digits and _ . , + @ - only)");
            ok = false;
        } else if (text) {
            (std::string_view(key) == "database" ? rule.database : rule.user) = *text;
        } else {
            ok = false;
        }
    }
    if (auto field = section.get("method")) {
        const auto method = read_enum<std::string_view>(*field,
                                                        {{"scram-sha-256", "scram-sha-256"},
                                                         {"md5", "md5"},
                                                         {"trust", "trust"},
                                                         {"reject", "reject"},
                                                         {"peer", "peer"},
                                                         {"cert", "cert"},
                                                         {"password", "password"}},
                                                        diags);
        if (method) rule.method = std::string(*method);
        ok = ok && method.has_value();
        if (method && *method == "peer" && ok && rule.type != "local") {
            diags.add(field->value, field->label + " peer is only valid with type local");
            ok = false;
        }
        if (method && *method == "cert" && ok && rule.type != "hostssl") {
            diags.add(field->value, field->label + " cert is only valid with type hostssl");
            ok = false;
        }
    }
    const std::optional<Field> address = section.get("address");
    if (address && ok && rule.type == "local") {
        diags.add(address->key, address->label + " is not used with type local");
        ok = false;
    } else if (address) {
        const std::optional<std::string> text = read_text(*address, diags);
        const std::string problem = text ? hba_address_problem(*text) : std::string();
        if (text && problem.empty()) {
            rule.address = *text;
        } else {
            if (text)
                diags.add(address->value,
                          address->label + " " + quote_value(*text) + " " + problem);
            ok = false;
        }
    } else if (ok && rule.type != "local") {
        report_missing(section, "address", diags, "required by type " + rule.type);
        ok = false;
    }
    if (!ok) return std::nullopt;
    return rule;
}

}  // namespace

void read_postgres(const Field& field, PostgresOptions& into, const std::string& owner,
                   Diagnostics& diags, VersionSeen& version) {
    const std::optional<YAML::Node> map = read_map(field, diags);
    if (!map) return;
    const Section section(*map, owner + "postgres.", "in " + owner + "postgres",
                          {"version", "cluster_name", "port", "settings"}, diags,
                          mark_of(field.key));
    if (auto f = section.get("version")) {
        version.mark = mark_of(f->value);
        const std::optional<PgVersion> parsed = read_version(*f, diags);
        if (parsed) into.version = *parsed;
        version.invalid = !parsed;
    }
    if (auto f = section.get("cluster_name")) {
        const std::optional<std::string> text = read_text(*f, diags);
        if (text && is_inventory_name(*text)) {
            into.cluster_name = *text;
        } else if (text) {
            diags.add(f->value, f->label + " " + quote_value(*text) +
                                    " is not a valid cluster name (lower-case letters, digits, "
                                    "'_' and '-', starting with a letter or digit; at most 63)");
        }
    }
    if (auto f = section.get("port")) {
        if (auto port = read_int(*f, 1, 65535, diags)) into.port = *port;
    }
    if (auto f = section.get("settings"))
        read_settings(*f, into.settings, version.setting_marks, diags);
}

void read_ssh(const Field& field, SshOptions& into, const std::string& owner, Diagnostics& diags) {
    const std::optional<YAML::Node> map = read_map(field, diags);
    if (!map) return;
    const Section section(*map, owner + "ssh.", "in " + owner + "ssh",
                          {"user", "port", "identity_file", "known_hosts", "host_key_checking",
                           "become", "connect_timeout"},
                          diags, mark_of(field.key));
    if (auto f = section.get("user")) {
        const std::optional<std::string> text = read_text(*f, diags);
        if (text && is_unix_user(*text)) {
            into.user = *text;
        } else if (text) {
            diags.add(f->value, f->label + " " + quote_value(*text) +
                                    " is not a valid user name (lower-case letters, digits, '_' "
                                    "and '-', starting with a letter or '_'; at most 32)");
        }
    }
    if (auto f = section.get("port")) {
        if (auto port = read_int(*f, 1, 65535, diags)) into.port = *port;
    }
    if (auto f = section.get("identity_file")) {
        if (auto path = read_path(*f, diags)) into.identity_file = *path;
    }
    if (auto f = section.get("known_hosts")) {
        if (auto path = read_path(*f, diags)) into.known_hosts = *path;
    }
    if (auto f = section.get("host_key_checking")) {
        const auto checking = read_enum<HostKeyChecking>(
            *f, {{"strict", HostKeyChecking::Strict}, {"accept-new", HostKeyChecking::AcceptNew}},
            diags);
        if (checking) into.host_key_checking = *checking;
    }
    if (auto f = section.get("become")) {
        const auto become =
            read_enum<Become>(*f, {{"auto", Become::Auto}, {"never", Become::Never}}, diags);
        if (become) into.become = *become;
    }
    if (auto f = section.get("connect_timeout")) {
        if (auto seconds = read_int(*f, 1, 600, diags)) into.connect_timeout = *seconds;
    }
}

std::vector<AccessRule> read_access(const Field& field, Diagnostics& diags) {
    std::vector<AccessRule> rules;
    if (field.value.IsNull()) return rules;
    if (!field.value.IsSequence()) {
        diags.add(field.value, "access must be a list, not " + describe_kind(field.value));
        return rules;
    }
    int number = 0;
    for (const YAML::Node& item : field.value) {
        if (auto rule = read_access_rule(item, ++number, diags)) rules.push_back(*rule);
    }
    return rules;
}

}  // namespace pgrepl::inventory_detail
