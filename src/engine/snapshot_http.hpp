// The GETs of a snapshot (internal to src/engine/): the script part and its frames.
#pragma once

#include <string>
#include <vector>

#include "pgrepl/engine/frames.hpp"
#include "pgrepl/engine/snapshot.hpp"

namespace pgrepl {

/// One python3 process that GETs each URL (2 s each) and prints `@@http STATUS URL` and the
/// body's lines prefixed by '|' (status 0 and the reason when there is no answer); nothing when
/// python3 is missing.
std::string http_get_script(const std::vector<std::string>& urls);

/// Reads one `@@http` frame into snapshot.http.
void read_http_frame(const Frame& frame, HostSnapshot& snapshot);

}  // namespace pgrepl
