// ha-packages, etcd-config and etcd: the packages, and etcd on its members.
#include <fmt/format.h>

#include <vector>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/hba.hpp"
#include "pgrepl/util/diff.hpp"
#include "services.hpp"

namespace pgrepl {
namespace {

struct Package {
    const char* name;
    bool etcd_member_only;
};

constexpr Package kPackages[] = {
    {"etcd-server", true},
    {"etcd-client", true},
    {"patroni", false},
    {"python3-etcd3", false},
};

// dpkg keeps the list of an installed package's files here (removed with the package).
std::string dpkg_list(const char* package) {
    return std::string("/var/lib/dpkg/info/") + package + ".list";
}

std::vector<std::string> packages_for(const Inventory& inventory, const Host& host) {
    const bool member = inventory.patroni && etcd_member_of(inventory, host).has_value();
    std::vector<std::string> names;
    for (const Package& package : kPackages) {
        if (member || !package.etcd_member_only) names.emplace_back(package.name);
    }
    return names;
}

class HaPackagesStep final : public Step {
  public:
    std::string_view name() const override { return "ha-packages"; }

    void request(const Inventory&, const Host&, const ClusterPaths&,
                 SnapshotRequest& request) const override {
        for (const Package& package : kPackages)
            request.first_lines.push_back(dpkg_list(package.name));
    }

    Result<Check> check(const StepContext& context) override {
        std::vector<std::string> missing;
        const auto wanted = packages_for(context.inventory, context.host);
        for (const auto& package : wanted) {
            if (!context.snapshot.first_line_of(dpkg_list(package.c_str())))
                missing.push_back(package);
        }
        if (missing.empty())
            return Check::done(fmt::format("{} installed", fmt::join(wanted, ", ")));
        std::string diff;
        for (const auto& package : missing) diff += "+ " + package + "\n";
        return Check::needed(fmt::format("install {} (apt-get)", fmt::join(missing, " ")), diff);
    }

    Status apply(const StepContext& context, const Check&) override {
        std::vector<std::string> quoted;
        for (const auto& package : packages_for(context.inventory, context.host))
            quoted.push_back(shell_quote(package));
        Command command;
        command.script = fmt::format(
            "export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q "
            "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold {} </dev/null",
            fmt::join(quoted, " "));
        command.mutation = Mutation::Mutating;
        command.purpose = "apt-get install";
        auto result = run_checked(context, name(), std::move(command));
        if (!result) {
            auto error = result.error();
            error.hint =
                "check the host's apt sources (apt-get update) and that the packages exist";
            return error;
        }
        return ok_status();
    }
};

// Where etcd listens: the member's address when it is an IP address, else the first address
// the name resolves to on the host (IPv4 first: getent lists them sorted); nullopt when it does
// not resolve there.
std::optional<std::string> listen_address(const StepContext& context, const EtcdMember& member) {
    if (is_ip_address(member.address)) return member.address;
    const auto addresses = context.snapshot.addresses_of(member.address);
    for (const auto& address : addresses) {
        if (address.find(':') == std::string::npos) return address;
    }
    if (!addresses.empty()) return addresses.front();
    return std::nullopt;
}

class EtcdConfigStep final : public Step {
  public:
    std::string_view name() const override { return "etcd-config"; }

    void request(const Inventory& inventory, const Host& host, const ClusterPaths&,
                 SnapshotRequest& request) const override {
        const auto member = etcd_member_of(inventory, host);
        if (member && !is_ip_address(member->address))
            request.host_names.push_back(member->address);
        request.files.push_back(etcd_config_path());
        request.files.push_back(handoff::etcd_dropin_path());
        request_service_facts(request);
    }

    Result<Check> check(const StepContext& context) override {
        const auto member = etcd_member_of(context.inventory, context.host);
        if (!member) return Check::done("not an etcd member");
        const auto listen = listen_address(context, *member);
        if (!listen) {
            return Check::conflict(
                fmt::format("{} does not resolve on the host, and etcd listens only on IP "
                            "addresses",
                            member->address),
                "give the host's IP address in the inventory, or make the name resolve there "
                "(/etc/hosts)");
        }
        const std::string wanted = render_etcd_config(context.inventory, *member, *listen);
        const auto current = context.snapshot.file(etcd_config_path());
        const bool systemd = service_manager_of(context.snapshot) == ServiceManager::Systemd;
        const bool dropin_ok = !systemd || context.snapshot.file(handoff::etcd_dropin_path()) ==
                                               handoff::render_etcd_dropin();
        if (current == wanted && dropin_ok)
            return Check::done(
                fmt::format("member {} of {}", member->name, context.inventory.patroni->scope));
        if (current && *current != wanted && etcd_runs(context.snapshot)) {
            return Check::conflict(
                fmt::format("etcd runs with another {}: pgrepl does not change the members of a "
                            "running etcd cluster",
                            etcd_config_path()),
                "change its members with etcdctl member add/remove, or stop etcd, remove " +
                    etcd_data_dir(context.inventory) + " and run handoff again to form it anew");
        }
        std::string diff = line_diff(current.value_or(""), wanted, etcd_config_path());
        if (!dropin_ok)
            diff += line_diff("", handoff::render_etcd_dropin(), handoff::etcd_dropin_path());
        return Check::needed(fmt::format("write {} (member {})", etcd_config_path(), member->name),
                             diff);
    }

    Status apply(const StepContext& context, const Check&) override {
        const auto member = etcd_member_of(context.inventory, context.host);
        if (service_manager_of(context.snapshot) == ServiceManager::Systemd) {
            Command mkdir;
            mkdir.script = "install -d -m 0755 /etc/systemd/system/etcd.service.d";
            mkdir.mutation = Mutation::Mutating;
            mkdir.purpose = "create etcd.service.d";
            if (auto made = run_checked(context, name(), std::move(mkdir)); !made)
                return made.error();
            FileSpec dropin{handoff::etcd_dropin_path(), handoff::render_etcd_dropin()};
            if (auto written = context.executor.write_file(dropin); !written) return written;
        }
        Command mkdir;
        mkdir.script = "install -d -m 0755 /etc/etcd";
        mkdir.mutation = Mutation::Mutating;
        mkdir.purpose = "create /etc/etcd";
        if (auto made = run_checked(context, name(), std::move(mkdir)); !made) return made.error();
        FileSpec config{etcd_config_path(),
                        render_etcd_config(context.inventory, *member,
                                           listen_address(context, *member).value_or(""))};
        return context.executor.write_file(config);
    }
};

class EtcdStep final : public Step {
  public:
    std::string_view name() const override { return "etcd"; }

    void request(const Inventory&, const Host&, const ClusterPaths&,
                 SnapshotRequest& request) const override {
        request_service_facts(request);
    }

    Result<Check> check(const StepContext& context) override {
        if (!etcd_member_of(context.inventory, context.host))
            return Check::done("not an etcd member");
        if (etcd_runs(context.snapshot)) return Check::done("etcd runs");
        const bool systemd = service_manager_of(context.snapshot) == ServiceManager::Systemd;
        return Check::needed(systemd ? "start etcd.service"
                                     : "start etcd (start-stop-daemon, output in " +
                                           handoff::etcd_log_file(context.inventory) + ")");
    }

    Status apply(const StepContext& context, const Check&) override {
        Command command;
        command.script =
            handoff::etcd_start_script(service_manager_of(context.snapshot), context.inventory);
        command.mutation = Mutation::Mutating;
        command.purpose = "start etcd";
        if (auto started = run_checked(context, name(), std::move(command)); !started)
            return started.error();
        return ok_status();
    }
};

}  // namespace

std::unique_ptr<Step> make_ha_packages_step() {
    return std::make_unique<HaPackagesStep>();
}

std::unique_ptr<Step> make_etcd_config_step() {
    return std::make_unique<EtcdConfigStep>();
}

std::unique_ptr<Step> make_etcd_step() {
    return std::make_unique<EtcdStep>();
}

}  // namespace pgrepl
