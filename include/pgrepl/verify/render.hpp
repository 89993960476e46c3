// Presenting a VerifyReport: a compact table with the problems and hints for people, or one
// JSON document for monitoring (schema in docs/verify.md; field names are stable), the
// Prometheus text format or a Nagios plugin line (docs/monitoring.md).
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
/// The Prometheus text exposition format (node_exporter's textfile collector): HELP and TYPE
/// lines, metrics prefixed pgrepl_, labels cluster and host (docs/monitoring.md lists them);
/// `now_epoch` is pgrepl_verify_timestamp_seconds. Pure.
std::string render_prometheus(const VerifyReport& report, double now_epoch);
/// The Nagios plugin status: one line "PGREPL OK|WARNING|CRITICAL - cluster C: summary |
/// perfdata" (lag in bytes and seconds with the thresholds as critical, probe milliseconds per
/// standby). Pure.
std::string render_nagios(const VerifyReport& report);
/// The Nagios plugin exit code of the report: 0 OK (no problem), 1 WARNING (only warnings),
/// 2 CRITICAL (a failed check or an unreachable host); 3 UNKNOWN is for errors before a
/// report exists (usage, inventory).
int nagios_exit_code(const VerifyReport& report);

}  // namespace pgrepl
