// etcd's health and Patroni's view, each asked on one host for the whole cluster.
#include "cluster.hpp"

#include <fmt/format.h>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/patroni.hpp"
#include "pgrepl/util/json.hpp"

namespace pgrepl {

Result<std::vector<PatroniMember>> parse_patronictl_list(std::string_view json) {
    const Json document = Json::parse(json, nullptr, false);
    if (document.is_discarded() || !document.is_array())
        return make_error(ErrorKind::Remote, "patronictl list: not a JSON array");
    const auto text = [](const Json& object, const char* key) -> std::string {
        auto it = object.find(key);
        if (it == object.end() || it->is_null()) return {};
        return it->is_string() ? it->get<std::string>() : it->dump();
    };
    std::vector<PatroniMember> members;
    for (const Json& each : document) {
        if (!each.is_object())
            return make_error(ErrorKind::Remote, "patronictl list: not a member");
        members.push_back({text(each, "Member"), text(each, "Role"), text(each, "State"),
                           text(each, "TL"), text(each, "Lag in MB")});
    }
    return members;
}

namespace handoff {

std::string etcd_health_script(const Inventory& inventory) {
    // endpoint health asks every member; etcd needs a few seconds to elect its first leader.
    return fmt::format(
        "export ETCDCTL_API=3; E={}; i=0\n"
        "until out=$(etcdctl --endpoints=\"$E\" --command-timeout=3s endpoint health 2>&1); do\n"
        "  i=$((i+1)); if [ $i -gt 60 ]; then printf '%s\\n' \"$out\" >&2; exit 1; fi; sleep 0.5\n"
        "done\n"
        "etcdctl --endpoints=\"$E\" --command-timeout=3s member list\n",
        shell_quote(etcdctl_endpoints(inventory)));
}

std::string etcd_write_script(const Inventory& inventory) {
    const std::string key = "/pgrepl/" + inventory.patroni->scope + "/handoff";
    return fmt::format(
        "export ETCDCTL_API=3; E={e}; v=$(date -u +%Y-%m-%dT%H:%M:%SZ)\n"
        "etcdctl --endpoints=\"$E\" --command-timeout=3s put {key} \"$v\" >/dev/null\n"
        "[ \"$(etcdctl --endpoints=\"$E\" --command-timeout=3s get --print-value-only {key})\" = "
        "\"$v\" ] || {{ echo 'etcd: the value read back differs from the one written' >&2; "
        "exit 1; }}\n",
        fmt::arg("e", shell_quote(etcdctl_endpoints(inventory))),
        fmt::arg("key", shell_quote(key)));
}

std::string patronictl_list_script(const Host& host) {
    return "patronictl -c " + shell_quote(patroni_config_path(host)) + " list -f json";
}

int started_members(std::string_view member_list) {
    int count = 0;
    std::size_t start = 0;
    while (start < member_list.size()) {
        auto end = member_list.find('\n', start);
        if (end == std::string_view::npos) end = member_list.size();
        if (member_list.substr(start, end - start).find(", started, ") != std::string_view::npos)
            ++count;
        start = end + 1;
    }
    return count;
}

}  // namespace handoff
}  // namespace pgrepl
