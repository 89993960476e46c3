#include "common.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "pgrepl/exec/ssh_executor.hpp"
#include "pgrepl/inventory/load.hpp"

namespace pgrepl::cli {

namespace {

constexpr const char* kGlobalGroup = "Global options (before or after the command)";

/// An option that takes one value may be given before or after the command, not both: a usage
/// error (CLI11 turns it into exit 2), as when it is given twice in one place.
void refuse_second(bool already_given, const char* name) {
    if (already_given) {
        throw CLI::ArgumentMismatch(std::string(name) +
                                    " was given twice (before and after the command); give it "
                                    "once");
    }
}

}  // namespace

void add_global_options(CLI::App& app, GlobalOptions& global) {
    app.add_option_function<std::string>(
           "-i,--inventory",
           [&global](const std::string& path) {
               refuse_second(!global.inventory.empty(), "--inventory");
               global.inventory = path;
           },
           "Inventory file (default: $PGREPL_INVENTORY, else ./inventory.yaml); a command's "
           "INVENTORY argument comes first")
        ->type_name("FILE")
        ->group(kGlobalGroup);
    app.add_flag_function(
           "-v,--verbose",
           [&global](std::int64_t count) { global.verbose += static_cast<int>(count); },
           "More output (-vv: trace); the -v before and after the command add up")
        ->group(kGlobalGroup);
    app.add_flag("-q,--quiet", global.quiet, "Only warnings and errors (not with -v)")
        ->group(kGlobalGroup);
    app.add_option_function<std::string>(
           "--log-file",
           [&global](const std::string& path) {
               refuse_second(global.log_file.has_value(), "--log-file");
               global.log_file = path;
           },
           "Also log (debug level) to this file")
        ->type_name("FILE")
        ->group(kGlobalGroup);
}

void add_inventory_argument(CLI::App& command, Context& context) {
    command.add_option("INVENTORY", context.inventory_argument,
                       "Inventory file (else -i, $PGREPL_INVENTORY, ./inventory.yaml)");
}

std::string resolve_inventory_path(const Context& context) {
    if (!context.inventory_argument.empty()) return context.inventory_argument;
    if (!context.global.inventory.empty()) return context.global.inventory;
    if (const char* env = std::getenv("PGREPL_INVENTORY"); env != nullptr && *env != '\0')
        return env;
    return "inventory.yaml";
}

std::optional<Inventory> load_or_report(const std::string& path) {
    auto loaded = load_inventory(path);
    if (loaded.ok()) return std::move(loaded.inventory);
    for (const auto& diagnostic : loaded.diagnostics) std::cerr << diagnostic.to_string() << '\n';
    std::cerr << "pgrepl: " << loaded.diagnostics.size() << " error(s) in " << path
              << "; no host was contacted\n";
    return std::nullopt;
}

ExecutorFactory ssh_factory(const Context& context) {
    return [points = context.crash_points](const Host& host) -> Result<std::unique_ptr<Executor>> {
        auto connected = connect_ssh(host);
        if (!connected || !points) return connected;
        return make_crash_point(std::move(connected).value(), points);
    };
}

void add_reach_timeout_option(CLI::App& command, double& seconds) {
    command
        .add_option("--reach-timeout", seconds,
                    "Seconds a host has to answer a TCP connect to its SSH port before it counts "
                    "as down, without waiting for the SSH connect timeout (default 1; 0 turns "
                    "the probe off). A live host's kernel answers at once, even when it is "
                    "overloaded: raise it only for slow or lossy links")
        ->check(CLI::Range(0.0, 60.0));
}

void add_wait_lock_option(CLI::App& command, int& seconds) {
    command
        .add_option("--wait-lock", seconds,
                    "Seconds to wait while another pgrepl run holds a host's lock (default 0: "
                    "refuse at once with exit 3, naming that run)")
        ->check(CLI::Range(0, 86400));
}

void add_json_flag(CLI::App& command, bool& json) {
    command.add_flag("--json", json,
                     "Print one JSON document on stdout (per host, per step: status, reason, "
                     "duration; totals; docs/json.md); the progress lines go to stderr");
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
}

ReachProbe reach_probe(double seconds) {
    if (seconds <= 0) return {};
    const auto timeout = std::chrono::milliseconds(std::llround(seconds * 1000.0));
    return [timeout](const Host& host) { return probe_reach(host, timeout); };
}

std::vector<std::string> split_names(const std::vector<std::string>& values) {
    std::vector<std::string> names;
    for (const auto& value : values) {
        std::size_t start = 0;
        while (start <= value.size()) {
            auto comma = value.find(',', start);
            if (comma == std::string::npos) comma = value.size();
            if (comma > start) names.push_back(value.substr(start, comma - start));
            start = comma + 1;
        }
    }
    return names;
}

}  // namespace pgrepl::cli
