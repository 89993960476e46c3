// Patroni's and etcd's view of each host, after `pgrepl handoff patroni` (docs/patroni.md).
#include <fmt/format.h>

#include "pgrepl/pg/patroni.hpp"
#include "pgrepl/util/json.hpp"
#include "pgrepl/verify/gather.hpp"
#include "verify/assess_internal.hpp"

namespace pgrepl {
namespace {

std::string patroni_url(const Inventory& inventory, const Host& host) {
    return patroni_rest_url(inventory, host, "patroni");
}

std::optional<std::string> etcd_url(const Inventory& inventory, const Host& host) {
    const auto member = etcd_member_of(inventory, host);
    if (!member) return std::nullopt;
    return etcd_health_url(inventory, *member);
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

}  // namespace

void add_patroni_requests(const Inventory& inventory, const Host& host, SnapshotRequest& request) {
    if (!inventory.patroni) return;
    request.first_lines.push_back(patroni_config_path(host));
    request.http_gets.push_back(patroni_url(inventory, host));
    if (auto url = etcd_url(inventory, host)) request.http_gets.push_back(*url);
}

void read_patroni_view(const Inventory& inventory, const Host& host, const HostSnapshot& snapshot,
                       HostState& state) {
    if (!inventory.patroni) return;
    HostState::PatroniView view;
    view.configured = snapshot.first_line_of(patroni_config_path(host)).has_value();
    const auto answer = snapshot.http.find(patroni_url(inventory, host));
    if (answer == snapshot.http.end()) {
        view.error = "no answer (is python3 installed?)";
    } else if (answer->second.status == 0) {
        view.error = first_line(answer->second.body);
    } else {
        view.status = answer->second.status;
        const Json body = Json::parse(answer->second.body, nullptr, false);
        if (body.is_object()) {
            view.role = body.value("role", "");
            if (view.role == "master") view.role = "primary";  // Patroni 3.0 says master
            view.state = body.value("state", "");
            if (body.contains("timeline") && body["timeline"].is_number_integer())
                view.timeline = body["timeline"].get<int>();
        } else {
            view.error = "not JSON: " + first_line(answer->second.body);
        }
    }
    state.patroni = std::move(view);
    if (auto url = etcd_url(inventory, host)) {
        HostState::EtcdView etcd;
        const auto health = snapshot.http.find(*url);
        if (health == snapshot.http.end()) {
            etcd.detail = "no answer";
        } else {
            etcd.status = health->second.status;
            etcd.detail = first_line(health->second.body);
            const Json body = Json::parse(health->second.body, nullptr, false);
            etcd.healthy =
                etcd.status == 200 && body.is_object() && body.value("health", "") == "true";
        }
        state.etcd = std::move(etcd);
    }
}

namespace verify_detail {

void patroni_checks(const AssessContext& context, std::size_t index, CheckList& checks) {
    const HostState& state = context.states[index];
    if (!context.inventory.patroni || !state.reached()) return;
    if (state.patroni) {
        const auto& view = *state.patroni;
        const std::string url = patroni_url(context.inventory, *state.host);
        if (!view.configured && view.status == 0) {
            checks.force("patroni", CheckStatus::Ok,
                         "not handed to Patroni yet (pgrepl handoff patroni does it)");
        } else if (view.status == 0 || !view.error.empty()) {
            checks.force("patroni", CheckStatus::Failed,
                         fmt::format("Patroni does not answer on {}: {}", url, view.error),
                         "start it: pgrepl handoff patroni (it starts what is not running)");
        } else {
            const std::string live = state.is_primary()   ? "primary"
                                     : state.is_standby() ? "replica"
                                                          : "not running";
            const std::string said =
                fmt::format("Patroni: {}, {}{}", view.role, view.state,
                            view.timeline ? fmt::format(", timeline {}", *view.timeline) : "");
            if (view.role != live) {
                checks.force("patroni", CheckStatus::Failed,
                             fmt::format("{}, but PostgreSQL runs as {}", said, live),
                             "Patroni may be in the middle of a change: patronictl list");
            } else if (view.state != "running") {
                checks.force("patroni", CheckStatus::Warning, said, "patronictl list");
            } else {
                checks.force("patroni", CheckStatus::Ok, said);
            }
        }
    }
    if (state.etcd) {
        const auto& etcd = *state.etcd;
        if (etcd.healthy) {
            checks.force("etcd", CheckStatus::Ok, "etcd member healthy");
        } else {
            checks.force(
                "etcd", CheckStatus::Warning,
                fmt::format("etcd member down or unhealthy ({}{})",
                            etcd.status ? fmt::format("HTTP {}: ", etcd.status) : "", etcd.detail),
                "the cluster keeps working while a majority of etcd members is up: "
                "pgrepl handoff patroni starts a stopped member");
        }
    }
}

}  // namespace verify_detail
}  // namespace pgrepl
