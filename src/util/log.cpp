#include "pgrepl/util/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

namespace pgrepl {
namespace {

spdlog::level::level_enum level_for(Verbosity verbosity) {
    switch (verbosity) {
        case Verbosity::Quiet:
            return spdlog::level::warn;
        case Verbosity::Normal:
            return spdlog::level::info;
        case Verbosity::Verbose:
            return spdlog::level::debug;
        case Verbosity::Trace:
            return spdlog::level::trace;
    }
    return spdlog::level::info;
}

}  // namespace

void setup_logging(Verbosity verbosity, const std::optional<std::string>& log_file) {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_level(level_for(verbosity));
    console->set_pattern(verbosity >= Verbosity::Verbose ? "%H:%M:%S.%e %^%-5l%$ %v"
                                                         : "%^%-5l%$ %v");
    std::vector<spdlog::sink_ptr> sinks{console};
    auto level = level_for(verbosity);
    if (log_file) {
        auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(*log_file);
        file->set_level(spdlog::level::debug);
        file->set_pattern("%Y-%m-%dT%H:%M:%S.%e %-5l %v");
        sinks.push_back(file);
        level = std::min(level, spdlog::level::debug);
    }
    auto logger = std::make_shared<spdlog::logger>("pgrepl", sinks.begin(), sinks.end());
    logger->set_level(level);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

}  // namespace pgrepl
