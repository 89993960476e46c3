// Pure parts of `pgrepl conninfo`: the application login, the order of the hosts and the
// four formats of the connection string (docs/conninfo.md).
#include <fmt/format.h>

#include <algorithm>

#include "pgrepl/conninfo/conninfo.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/quote.hpp"

namespace pgrepl {
namespace {

bool has_control(std::string_view value) {
    return std::any_of(value.begin(), value.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

/// One name of a pg_hba database or user column, not a keyword, group or list.
bool single_name(std::string_view value) {
    return !value.empty() && value.find(',') == std::string_view::npos && value.front() != '+' &&
           value.front() != '@' && value != "all" && value != "sameuser" && value != "samerole" &&
           value != "samegroup" && value != "replication";
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string percent_encode(std::string_view value) {
    std::string out;
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out += fmt::format("%{:02X}", u);
        }
    }
    return out;
}

/// host:port for a URL: an IPv6 address in brackets.
std::string url_server(const ConninfoServer& server) {
    const bool ipv6 = server.host.find(':') != std::string::npos;
    return fmt::format("{}{}{}:{}", ipv6 ? "[" : "", server.host, ipv6 ? "]" : "", server.port);
}

/// A shell and EnvironmentFile value: bare when plain, else single-quoted.
std::string env_value(std::string_view value) {
    const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
               std::string_view("._,:/@+-").find(c) != std::string_view::npos;
    });
    return plain ? std::string(value) : shell_quote(value);
}

std::string joined(const std::vector<ConninfoServer>& servers, bool ports) {
    std::string out;
    for (const auto& server : servers) {
        if (!out.empty()) out += ',';
        out += ports ? std::to_string(server.port) : server.host;
    }
    return out;
}

}  // namespace

Result<std::pair<std::string, std::string>> application_login(
    const Inventory& inventory, const std::optional<std::string>& user,
    const std::optional<std::string>& database) {
    for (const auto* given : {&user, &database}) {
        if (*given && (given->value().empty() || has_control(**given))) {
            return make_error(ErrorKind::Usage,
                              "--user and --database must be non-empty, without control "
                              "characters");
        }
    }
    std::string login = user.value_or("");
    std::string db = database.value_or("");
    if (login.empty()) {
        for (const auto& rule : inventory.access) {
            if (!single_name(rule.user)) continue;
            login = rule.user;
            if (db.empty()) {
                if (single_name(rule.database)) {
                    db = rule.database;
                } else if (rule.database == "sameuser") {
                    db = rule.user;
                }
            }
            break;
        }
    }
    if (login.empty()) {
        return make_error(ErrorKind::Usage,
                          "no application user: give --user, or an access: entry in the "
                          "inventory that names one role");
    }
    if (db.empty()) {
        for (const auto& rule : inventory.access) {
            if (rule.user != login) continue;
            if (single_name(rule.database)) db = rule.database;
            if (rule.database == "sameuser") db = login;
            if (!db.empty()) break;
        }
    }
    return std::pair{login, db.empty() ? std::string("postgres") : db};
}

std::vector<std::size_t> conninfo_order(const LiveTopology& topology, ConninfoPurpose purpose) {
    std::vector<std::size_t> primaries;
    std::vector<std::size_t> standbys;
    std::vector<std::size_t> unknown;
    for (std::size_t i = 0; i < topology.nodes.size(); ++i) {
        const auto& node = topology.nodes[i];
        if (!node.member) continue;
        switch (node.role) {
            case LiveRole::Primary:
                primaries.push_back(i);
                break;
            case LiveRole::Standby:
                standbys.push_back(i);
                break;
            default:
                unknown.push_back(i);
                break;
        }
    }
    std::vector<std::size_t> order;
    const auto add = [&order](const std::vector<std::size_t>& group) {
        order.insert(order.end(), group.begin(), group.end());
    };
    add(purpose == ConninfoPurpose::Write ? primaries : standbys);
    add(purpose == ConninfoPurpose::Write ? standbys : primaries);
    add(unknown);
    return order;
}

std::string render_conninfo(const ConninfoSpec& spec, ConninfoFormat format) {
    const bool write = spec.purpose == ConninfoPurpose::Write;
    const char* attrs = write ? "read-write" : "prefer-standby";
    switch (format) {
        case ConninfoFormat::Uri: {
            std::string hosts;
            for (const auto& server : spec.servers)
                hosts += (hosts.empty() ? "" : ",") + url_server(server);
            return fmt::format("postgresql://{}@{}/{}?target_session_attrs={}&connect_timeout={}\n",
                               percent_encode(spec.user), hosts, percent_encode(spec.database),
                               attrs, spec.connect_timeout);
        }
        case ConninfoFormat::Keyword:
            return fmt::format(
                "host={} port={} user={} dbname={} target_session_attrs={} connect_timeout={}\n",
                conninfo_value(joined(spec.servers, false)),
                conninfo_value(joined(spec.servers, true)), conninfo_value(spec.user),
                conninfo_value(spec.database), attrs, spec.connect_timeout);
        case ConninfoFormat::Jdbc: {
            std::string hosts;
            for (const auto& server : spec.servers)
                hosts += (hosts.empty() ? "" : ",") + url_server(server);
            return fmt::format(
                "jdbc:postgresql://{}/{}?user={}&targetServerType={}&connectTimeout={}\n", hosts,
                percent_encode(spec.database), percent_encode(spec.user),
                write ? "primary" : "preferSecondary", spec.connect_timeout);
        }
        case ConninfoFormat::Env:
            return fmt::format(
                "PGHOST={}\nPGPORT={}\nPGUSER={}\nPGDATABASE={}\nPGTARGETSESSIONATTRS={}\n"
                "PGCONNECT_TIMEOUT={}\n",
                env_value(joined(spec.servers, false)), env_value(joined(spec.servers, true)),
                env_value(spec.user), env_value(spec.database), attrs, spec.connect_timeout);
    }
    return {};
}

}  // namespace pgrepl
