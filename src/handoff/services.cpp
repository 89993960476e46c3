// Starting etcd and Patroni with systemd, or detached with start-stop-daemon.
#include "services.hpp"

#include <fmt/format.h>

#include "pgrepl/exec/quote.hpp"

namespace pgrepl {
namespace handoff {
namespace {

std::string pid_file(const std::string& name) {
    return "/run/pgrepl/" + name + ".pid";
}

// What start-stop-daemon starts detached: as whom, where, its output file and its command.
struct Detached {
    std::string name;      // its pid file's name
    std::string user;      // the unit's user (and group)
    std::string chdir;     // its working directory
    std::string log;       // its output file (made 0640, owned by `user`, when missing)
    std::string program;   // `--exec PATH` or `--startas PATH`
    std::string argument;  // its one argument (a configuration file), quoted here
};

std::string start_detached(const Detached& daemon) {
    const std::string log = shell_quote(daemon.log);
    return fmt::format(
        "install -d -m 0755 /run/pgrepl && {{ [ -e {log} ] || install -m 0640 -o {user} -g {user} "
        "/dev/null {log}; }} && start-stop-daemon --start --quiet --oknodo --background "
        "--make-pidfile --pidfile {pid} --chuid {user}:{user} --chdir {chdir} --output {log} "
        "{program} -- {argument}",
        fmt::arg("log", log), fmt::arg("user", daemon.user),
        fmt::arg("pid", shell_quote(pid_file(daemon.name))),
        fmt::arg("chdir", shell_quote(daemon.chdir)), fmt::arg("program", daemon.program),
        fmt::arg("argument", daemon.argument));
}

}  // namespace

std::string patroni_instance(const Host& host) {
    return host.postgres.version.to_string() + "-" + host.postgres.cluster_name;
}

std::string patroni_log_file(const Host& host) {
    return "/var/log/postgresql/patroni-" + patroni_instance(host) + ".log";
}

std::string etcd_log_file(const Inventory& inventory) {
    return etcd_data_dir(inventory) + ".log";
}

std::string etcd_dropin_path() {
    return "/etc/systemd/system/etcd.service.d/pgrepl.conf";
}

std::string render_etcd_dropin() {
    return "# Managed by pgrepl (handoff patroni): etcd reads its configuration file.\n"
           "[Service]\n"
           "Environment=\"DAEMON_ARGS=--config-file " +
           etcd_config_path() + "\"\n";
}

std::string etcd_command_line() {
    return "/usr/bin/etcd --config-file " + etcd_config_path();
}

std::string etcd_start_script(ServiceManager manager, const Inventory& inventory) {
    // Until its process shows (it waits for its peers by itself, the health check after them).
    const std::string wait = fmt::format(
        " && i=0; until pgrep -f -x -- {} >/dev/null; do i=$((i+1)); "
        "if [ $i -gt 100 ]; then echo 'etcd did not start (see {})' >&2; exit 1; fi; sleep 0.1; "
        "done",
        shell_quote(etcd_command_line()),
        manager == ServiceManager::Systemd ? "journalctl -u etcd" : etcd_log_file(inventory));
    if (manager == ServiceManager::Systemd) {
        return "systemctl daemon-reload && systemctl enable --quiet etcd.service && "
               "systemctl restart --no-block etcd.service" +
               wait;
    }
    return start_detached({"etcd", "etcd", "/var/lib/etcd", etcd_log_file(inventory),
                           "--exec /usr/bin/etcd",
                           "--config-file " + shell_quote(etcd_config_path())}) +
           wait;
}

std::string patroni_start_script(ServiceManager manager, const Host& host) {
    const std::string instance = patroni_instance(host);
    if (manager == ServiceManager::Systemd) {
        return fmt::format("systemctl enable --quiet {unit} && systemctl start {unit}",
                           fmt::arg("unit", shell_quote("patroni@" + instance + ".service")));
    }
    return start_detached({"patroni-" + instance, "postgres", "/var/lib/postgresql",
                           patroni_log_file(host), "--startas /usr/bin/patroni",
                           shell_quote(patroni_config_path(host))});
}

std::string patroni_reload_script(ServiceManager manager, const Host& host) {
    const std::string instance = patroni_instance(host);
    if (manager == ServiceManager::Systemd)
        return "systemctl reload " + shell_quote("patroni@" + instance + ".service");
    return "start-stop-daemon --stop --quiet --oknodo --signal HUP --pidfile " +
           shell_quote(pid_file("patroni-" + instance));
}

}  // namespace handoff

ServiceManager service_manager_of(const HostSnapshot& snapshot) {
    const auto comm = snapshot.first_line_of("/proc/1/comm");
    return comm && *comm == "systemd" ? ServiceManager::Systemd : ServiceManager::Detached;
}

void request_service_facts(SnapshotRequest& request) {
    request.first_lines.push_back("/proc/1/comm");
    request.processes = ProcessList::Yes;
}

bool runs_process(std::string_view processes, std::string_view program, std::string_view argument) {
    std::size_t start = 0;
    while (start < processes.size()) {
        auto end = processes.find('\n', start);
        if (end == std::string_view::npos) end = processes.size();
        const std::string_view line = processes.substr(start, end - start);
        const auto at = line.find(program);
        if (at != std::string_view::npos && line.find(argument, at) != std::string_view::npos)
            return true;
        start = end + 1;
    }
    return false;
}

bool etcd_runs(const HostSnapshot& snapshot) {
    return runs_process(snapshot.processes, "/usr/bin/etcd", "--config-file " + etcd_config_path());
}

bool patroni_runs(const HostSnapshot& snapshot, const Host& host) {
    return runs_process(snapshot.processes, "/usr/bin/patroni", patroni_config_path(host));
}

std::string wait_http_ok_script(std::string_view url, int timeout_seconds) {
    static const char* const kProgram =
        "import sys, time, urllib.request\n"
        "url, end, last = sys.argv[1], time.time() + float(sys.argv[2]), 'no answer'\n"
        "while True:\n"
        "    try:\n"
        "        with urllib.request.urlopen(url, timeout=2) as answer:\n"
        "            if answer.status == 200: sys.exit(0)\n"
        "            last = 'HTTP %d' % answer.status\n"
        "    except Exception as error:\n"
        "        last = str(error)\n"
        "    if time.time() > end:\n"
        "        print('%s: %s' % (url, last), file=sys.stderr)\n"
        "        sys.exit(1)\n"
        "    time.sleep(0.2)\n";
    return fmt::format("python3 -c {} {} {}", shell_quote(kProgram), shell_quote(url),
                       timeout_seconds);
}

}  // namespace pgrepl
