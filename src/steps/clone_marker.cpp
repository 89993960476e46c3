#include "pgrepl/steps/clone_marker.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace pgrepl {

std::string render_clone_marker(const CloneMarker& marker) {
    return fmt::format(
        "# pgrepl setup began to clone {0} here; removed once the standby streams.\n"
        "# While it is here, setup may clone this data directory again without --force.\n"
        "upstream={0}\nsystem_identifier={2}\ndata_directory={1}\nstarted={3}\nlabel={4}\n",
        marker.upstream, marker.data_directory, marker.system_identifier, marker.started,
        marker.label);
}

CloneMarker parse_clone_marker(std::string_view content) {
    CloneMarker marker;
    while (!content.empty()) {
        const auto end = content.find('\n');
        const auto line = content.substr(0, end);
        content.remove_prefix(end == std::string_view::npos ? content.size() : end + 1);
        const auto eq = line.find('=');
        if (line.starts_with('#') || eq == std::string_view::npos) continue;
        const auto key = line.substr(0, eq);
        const std::string value(line.substr(eq + 1));
        if (key == "upstream") marker.upstream = value;
        if (key == "system_identifier") marker.system_identifier = value;
        if (key == "data_directory") marker.data_directory = value;
        if (key == "started") marker.started = value;
        if (key == "label") marker.label = value;
    }
    return marker;
}

CloneMarker new_clone_marker(std::string upstream, std::string system_identifier,
                             std::string data_directory) {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    CloneMarker marker;
    marker.upstream = std::move(upstream);
    marker.system_identifier = std::move(system_identifier);
    marker.data_directory = std::move(data_directory);
    marker.started = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(now));
    marker.label = "pgrepl clone begun " + marker.started;
    return marker;
}

}  // namespace pgrepl
