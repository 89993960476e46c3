// Switchover and failover through Patroni's REST API.
#include "pgrepl/handoff/patroni_control.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "cluster.hpp"
#include "pgrepl/engine/secret.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/handoff/handoff.hpp"
#include "pgrepl/pg/patroni.hpp"
#include "pgrepl/util/json.hpp"

namespace pgrepl {
namespace {

Result<std::vector<PatroniMember>> list_members(Executor& executor, const Host& host) {
    Command list;
    list.script = handoff::patronictl_list_script(host);
    list.purpose = "patronictl list";
    auto listed = executor.run(list);
    if (!listed) return listed.error();
    if (!listed->success()) {
        return make_host_error(ErrorKind::Remote, host.name, "patroni",
                               "patronictl list failed: " + listed->err,
                               "is Patroni running there? see its output (docs/patroni.md)");
    }
    return parse_patronictl_list(listed->out);
}

std::string leader_of(const std::vector<PatroniMember>& members) {
    for (const auto& member : members) {
        if (member.role == "Leader") return member.name;
    }
    return {};
}

void print_members(std::ostream& out, const std::vector<PatroniMember>& members) {
    for (const auto& member : members) {
        out << fmt::format("  {:<12} {:<8} {:<10} TL {}\n", member.name, member.role, member.state,
                           member.timeline);
    }
}

}  // namespace

std::string patroni_post_script(std::string_view url, std::string_view user,
                                std::string_view body) {
    static const char* const kProgram =
        "import base64, sys, urllib.error, urllib.request\n"
        "url, user, body = sys.argv[1], sys.argv[2], sys.argv[3].encode()\n"
        "password = sys.stdin.readline().rstrip('\\n')\n"
        "token = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()\n"
        "request = urllib.request.Request(url, data=body, method='POST', headers={\n"
        "    'Authorization': 'Basic ' + token, 'Content-Type': 'application/json'})\n"
        "try:\n"
        "    with urllib.request.urlopen(request, timeout=60) as answer:\n"
        "        print(answer.status, answer.read().decode(errors='replace'))\n"
        "except urllib.error.HTTPError as error:\n"
        "    print(error.code, error.read().decode(errors='replace'), file=sys.stderr)\n"
        "    sys.exit(1)\n"
        "except OSError as error:\n"
        "    print(url, error, file=sys.stderr)\n"
        "    sys.exit(1)\n";
    return fmt::format("python3 -c {} {} {} {}", shell_quote(kProgram), shell_quote(url),
                       shell_quote(user), shell_quote(body));
}

std::optional<ExitCode> change_role_through_patroni(const Inventory& inventory,
                                                    const PatroniRoleChange& change,
                                                    const ExecutorFactory& factory,
                                                    std::ostream& out) {
    const Host* target = inventory.find_host(change.target);
    if (!inventory.patroni || target == nullptr) return std::nullopt;
    const char* verb = change.action == PatroniAction::Switchover ? "switchover" : "failover";
    std::vector<HostLink> links;
    links.emplace_back(*target, change.mode);
    ConnectOptions connect;
    if (change.mode == RunMode::Apply) connect.lock = LockOptions{verb, std::chrono::seconds(0)};
    open_links(links, factory, connect);
    HostLink& link = links.front();
    if (!link.connected()) return std::nullopt;  // pgrepl's own command reports it
    auto managed = link.executor()->read_file(patroni_config_path(*target));
    if (!managed || !*managed) return std::nullopt;

    const auto fail = [&](const Error& error) {
        spdlog::error("{}", describe(error));
        if (!error.hint.empty()) spdlog::error("hint: {}", error.hint);
        return exit_code_for(error.kind);
    };
    if (auto refused = lock_refusal(links)) return fail(*refused);
    auto password = load_patroni_password(*inventory.patroni);
    if (!password) return fail(password.error());
    auto members = list_members(*link.executor(), *target);
    if (!members) return fail(members.error());
    const std::string leader = leader_of(*members);
    out << fmt::format("Patroni manages {} (scope {}): the {} goes through its REST API\n",
                       inventory.cluster, inventory.patroni->scope, verb);
    print_members(out, *members);
    if (leader == target->name) {
        out << fmt::format("done: {} is already the leader; nothing to do\n", target->name);
        return ExitCode::Ok;
    }
    const auto member = std::find_if(members->begin(), members->end(),
                                     [&](const auto& m) { return m.name == target->name; });
    if (member == members->end() || (member->state != "running" && member->state != "streaming")) {
        return fail(make_host_error(
            ErrorKind::Refused, target->name, verb,
            fmt::format("{} is not a running member of Patroni's cluster ({})", target->name,
                        member == members->end() ? "not listed" : member->state),
            "patronictl list shows the members; start its Patroni (pgrepl handoff patroni)"));
    }
    if (change.action == PatroniAction::Switchover && leader.empty()) {
        return fail(
            make_host_error(ErrorKind::Refused, target->name, verb,
                            "Patroni's cluster has no leader: there is nothing to switch over from",
                            "pgrepl promote " + target->name + " asks Patroni to fail over"));
    }
    Json body = Json::object();
    if (change.action == PatroniAction::Switchover) body["leader"] = leader;
    body["candidate"] = target->name;
    const std::string url = patroni_rest_url(inventory, *target, verb);
    if (change.mode == RunMode::Check) {
        out << fmt::format("plan: POST {} {} (as {}): {} -> {}\ncheck: nothing was changed\n", url,
                           body.dump(), inventory.patroni->restapi_user,
                           leader.empty() ? "no leader" : leader, target->name);
        return ExitCode::Ok;
    }
    Command post;
    post.script = patroni_post_script(url, inventory.patroni->restapi_user, body.dump());
    post.stdin_data = *password + "\n";
    post.secret_stdin = true;
    post.mutation = Mutation::Mutating;
    post.purpose = std::string("POST /") + verb;
    const auto started = std::chrono::steady_clock::now();
    auto posted = link.executor()->run(post);
    if (!posted) return fail(posted.error());
    if (!posted->success()) {
        return fail(make_host_error(ErrorKind::Remote, target->name, verb,
                                    "Patroni refused the " + std::string(verb) + ": " + posted->err,
                                    "patronictl list and the Patroni logs say why"));
    }
    out << target->name << ": Patroni answered: " << posted->out;
    // Until Patroni lists the target as its leader and every member as running again (the old
    // leader is stopped, rewound when needed, and started as a replica).
    while (std::chrono::steady_clock::now() - started < change.timeout) {
        auto now = list_members(*link.executor(), *target);
        if (now && leader_of(*now) == target->name) {
            const bool settled = std::all_of(now->begin(), now->end(), [](const auto& m) {
                return m.state == "running" || m.state == "streaming";
            });
            if (settled) {
                out << fmt::format(
                    "done: {} leads (after {:.1f} s)\n", target->name,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                        .count());
                print_members(out, *now);
                return ExitCode::Ok;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return fail(make_host_error(ErrorKind::Remote, target->name, verb,
                                fmt::format("{} does not lead a running cluster after {} s",
                                            target->name, change.timeout.count()),
                                "patronictl list shows where Patroni stands"));
}

}  // namespace pgrepl
