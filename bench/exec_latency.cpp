// bench/exec_latency: connect to each host of an inventory and time N trivial remote commands
// over the one SSH session (prints numbers; asserts nothing). Usage: pgrepl_bench_exec INVENTORY
// [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pgrepl/exec/ssh_executor.hpp"
#include "pgrepl/inventory/load.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s INVENTORY [N]\n", argv[0]);
        return 2;
    }
    const int count = argc > 2 ? std::atoi(argv[2]) : 10;
    auto loaded = pgrepl::load_inventory(argv[1]);
    if (!loaded.ok()) {
        for (const auto& d : loaded.diagnostics)
            std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 2;
    }
    using Clock = std::chrono::steady_clock;
    auto ms = [](Clock::duration d) {
        return std::chrono::duration<double, std::milli>(d).count();
    };
    for (const auto& host : loaded.inventory.hosts) {
        const auto start = Clock::now();
        auto executor = pgrepl::connect_ssh(host);
        const auto connected = Clock::now();
        if (!executor) {
            std::fprintf(stderr, "%s: %s\n", host.name.c_str(), executor.error().message.c_str());
            return 1;
        }
        pgrepl::Command command;
        command.script = "true";
        command.purpose = "latency probe";
        for (int i = 0; i < count; ++i) {
            auto result = (*executor)->run(command);
            if (!result || !result->success()) return 1;
        }
        const auto done = Clock::now();
        std::printf("%s: connect %.1f ms, %d commands %.1f ms each\n", host.name.c_str(),
                    ms(connected - start), count, ms(done - connected) / count);
    }
    return 0;
}
