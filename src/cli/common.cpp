#include "common.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "pgrepl/exec/ssh_executor.hpp"
#include "pgrepl/inventory/load.hpp"

namespace pgrepl::cli {

std::string resolve_inventory_path(const GlobalOptions& global, const std::string& positional) {
    if (!positional.empty()) return positional;
    if (!global.inventory.empty()) return global.inventory;
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

ExecutorFactory ssh_factory() {
    return [](const Host& host) { return connect_ssh(host); };
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
