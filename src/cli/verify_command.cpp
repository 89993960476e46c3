#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>

#include "common.hpp"
#include "pgrepl/util/exit_code.hpp"
#include "pgrepl/verify/verify.hpp"

namespace pgrepl::cli {
namespace {

/// Colors only when stdout is a terminal and NO_COLOR is not set.
Color output_color() {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') return Color::Never;
    return isatty(STDOUT_FILENO) != 0 ? Color::Always : Color::Never;
}

}  // namespace

void add_verify_command(CLI::App& app, Context& context) {
    struct Options {
        bool json = false;
        std::string format = "text";
        std::string output;
        double timeout = 10;
        std::uint64_t max_lag_bytes = VerifyThresholds{}.max_lag_bytes;
        double max_lag_seconds = VerifyThresholds{}.max_lag_seconds;
        bool archive = false;
        double reach_timeout = kDefaultReachTimeout;
    };
    auto options = std::make_shared<Options>();
    auto* verify = app.add_subcommand(
        "verify",
        "Prove that replication works end to end: live topology, WAL receivers and senders, "
        "slots, lag, and a probe WAL record timed from the primary to every standby. Exit 0 "
        "healthy, 1 unhealthy or unreachable, 2 usage or inventory error");
    add_inventory_argument(*verify, context);
    verify->add_flag("--json", options->json,
                     "One JSON document on stdout (schema: docs/verify.md); --format json");
    const std::map<std::string, VerifyFormat> formats = {{"text", VerifyFormat::Text},
                                                         {"json", VerifyFormat::Json},
                                                         {"prometheus", VerifyFormat::Prometheus},
                                                         {"nagios", VerifyFormat::Nagios}};
    verify
        ->add_option("--format", options->format,
                     "text (default), json, prometheus (node_exporter textfile format) or nagios "
                     "(a plugin line; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN): "
                     "docs/monitoring.md")
        ->check(CLI::IsMember({"text", "json", "prometheus", "nagios"}, CLI::ignore_case));
    verify->add_option("--output", options->output,
                       "Write the report to FILE atomically (a temporary file renamed over it, "
                       "mode 0644) instead of stdout, e.g. for the textfile collector");
    verify
        ->add_option("--timeout", options->timeout,
                     "Seconds each standby may take to replay the probe record")
        ->check(CLI::Range(0.1, 3600.0))
        ->capture_default_str();
    verify
        ->add_option("--max-lag-bytes", options->max_lag_bytes,
                     "A standby further behind the primary than this many bytes fails "
                     "(default 16 MiB)")
        ->capture_default_str();
    verify
        ->add_option("--max-lag-seconds", options->max_lag_seconds,
                     "A replay lag above this many seconds fails")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    verify->add_flag("--archive", options->archive,
                     "Also switch the primary to a new WAL segment and wait until it is in the "
                     "WAL archive (replication.archive); reports the time it took");
    add_reach_timeout_option(*verify, options->reach_timeout);
    add_global_options(*verify, context.global);
    verify->callback([&context, options, formats] {
        context.action = [&context, options, formats] {
            const VerifyFormat format = options->json
                                            ? VerifyFormat::Json
                                            : formats.at(CLI::detail::to_lower(options->format));
            auto inventory = load_or_report(resolve_inventory_path(context));
            // A Nagios plugin that cannot judge says UNKNOWN.
            if (!inventory)
                return format == VerifyFormat::Nagios ? 3
                                                      : to_int(exit_code_for(ErrorKind::Inventory));
            VerifyOptions verify_options;
            verify_options.thresholds.timeout =
                std::chrono::milliseconds(std::llround(options->timeout * 1000.0));
            verify_options.thresholds.max_lag_bytes = options->max_lag_bytes;
            verify_options.thresholds.max_lag_seconds = options->max_lag_seconds;
            verify_options.format = format;
            verify_options.output = options->output;
            verify_options.color = format == VerifyFormat::Text && options->output.empty()
                                       ? output_color()
                                       : Color::Never;
            verify_options.archive =
                options->archive ? ArchiveTest::SwitchAndWait : ArchiveTest::Skip;
            verify_options.reach = reach_probe(options->reach_timeout);
            return run_verify(*inventory, verify_options, ssh_factory(context), std::cout);
        };
    });
}

}  // namespace pgrepl::cli
