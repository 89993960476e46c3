// Presenting a VerifyReport: a compact table with the problems and hints for people, or one
// JSON document for monitoring (schema in docs/verify.md; field names are stable).
#pragma once

#include <string>

#include "pgrepl/verify/report.hpp"

namespace pgrepl {

/// Whether the text output uses ANSI colors.
enum class Color { Never, Always };

/// The version of the JSON document's layout (the "format" field).
inline constexpr const char* kVerifyJsonFormat = "pgrepl-verify/1";

/// How many log lines each host carries in the JSON document.
inline constexpr std::size_t kJsonLogLines = 3;

/// The human output: a table (HOST ROLE UPSTREAM STATE LAG LAG-TIME PROBE PROBLEMS), then one
/// line per problem with its hint on the next line, the notes, and a verdict line.
std::string render_verify_text(const VerifyReport& report, Color color);

/// The JSON document: every host, every check, every figure, and a top-level `healthy`; two-space
/// indentation, members in the documented order, no trailing newline.
std::string verify_json(const VerifyReport& report);

}  // namespace pgrepl
