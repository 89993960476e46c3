// Parsing the ps titles of PostgreSQL's processes.
#include <sstream>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/util/text.hpp"
#include "pgrepl/verify/state.hpp"

namespace pgrepl {
namespace {

/// One process title "postgres: [CLUSTER: ]TYPE ARGS" taken apart.
struct Title {
    int pid = 0;
    std::string cluster;  ///< "15/main", empty when the title has none
    std::string type;     ///< "walsender" or "walreceiver" (normalized), or other
    std::string rest;     ///< what follows the type
};

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

/// The walsender/walreceiver title in `args`, if it is one.
std::optional<Title> parse_title(int pid, std::string_view args) {
    constexpr std::string_view kPrefix = "postgres: ";
    if (!starts_with(args, kPrefix)) return std::nullopt;
    args.remove_prefix(kPrefix.size());
    Title title;
    title.pid = pid;
    // "15/main: walsender ...": a first word ending in ':' is the cluster_name.
    const auto space = args.find(' ');
    if (space != std::string_view::npos && space > 0 && args[space - 1] == ':') {
        title.cluster = std::string(args.substr(0, space - 1));
        args = trim(args.substr(space + 1));
    }
    static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
        {"walsender", "walsender"},
        {"wal sender process", "walsender"},
        {"walreceiver", "walreceiver"},
        {"wal receiver process", "walreceiver"},
    };
    for (const auto& [prefix, type] : kTypes) {
        if (starts_with(args, prefix) &&
            (args.size() == prefix.size() || args[prefix.size()] == ' ')) {
            title.type = std::string(type);
            title.rest = std::string(trim(args.substr(prefix.size())));
            return title;
        }
    }
    return std::nullopt;
}

}  // namespace

PostgresProcesses parse_postgres_processes(std::string_view ps_output, const Host& host) {
    const std::string label = host.postgres.version.to_string() + "/" + host.postgres.cluster_name;
    // pg_ctlcluster starts it with -c config_file=...; Patroni with --config-file=...
    const std::string file = "=/etc/postgresql/" + label + "/postgresql.conf";
    const std::string configs[] = {"config_file" + file, "config-file" + file};
    PostgresProcesses processes;
    std::vector<Title> titles;
    bool label_seen = false;
    for (const auto raw : split_lines(ps_output)) {
        const auto line = trim(raw);
        const auto space = line.find(' ');
        if (space == std::string_view::npos) continue;
        const auto pid = parse_int(line.substr(0, space));
        if (!pid || *pid <= 0) continue;
        const auto args = trim(line.substr(space + 1));
        bool postmaster = false;
        for (const std::string& config : configs) {
            const auto config_at = args.find(config);
            postmaster = postmaster || (config_at != std::string_view::npos &&
                                        (config_at + config.size() == args.size() ||
                                         args[config_at + config.size()] == ' '));
        }
        if (postmaster && !starts_with(args, "postgres: ")) {
            if (!processes.postmaster_pid) processes.postmaster_pid = static_cast<int>(*pid);
            continue;
        }
        if (auto title = parse_title(static_cast<int>(*pid), args)) {
            label_seen = label_seen || title->cluster == label;
            titles.push_back(std::move(*title));
        }
    }
    for (auto& title : titles) {
        if (label_seen && !title.cluster.empty() && title.cluster != label) continue;
        std::istringstream words(title.rest);
        if (title.type == "walsender") {
            WalSenderProcess sender;
            sender.pid = title.pid;
            words >> sender.user >> sender.client >> sender.state;
            processes.walsenders.push_back(std::move(sender));
        } else if (!processes.walreceiver) {
            WalReceiverProcess receiver;
            receiver.pid = title.pid;
            words >> receiver.state;
            processes.walreceiver = std::move(receiver);
        }
    }
    return processes;
}

}  // namespace pgrepl
