// Wall-clock time as text, for what a run records for people (a lock's holder, a promotion).
#pragma once

#include <string>

namespace pgrepl {

/// The current time in UTC as ISO 8601 to the second: "2026-12-02T10:00:00Z".
std::string utc_now();

}  // namespace pgrepl
