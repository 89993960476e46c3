// The human output of `pgrepl verify`.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "pgrepl/verify/archive.hpp"
#include "pgrepl/verify/render.hpp"

namespace pgrepl {
namespace {

constexpr std::size_t kColumns = 8;
using Row = std::array<std::string, kColumns>;

enum class Tone { Plain, Good, Bad, Warn, Dim };

std::string paint(const std::string& text, Tone tone, Color color) {
    if (color == Color::Never || tone == Tone::Plain) return text;
    const char* code = tone == Tone::Good   ? "\033[32m"
                       : tone == Tone::Bad  ? "\033[1;31m"
                       : tone == Tone::Warn ? "\033[33m"
                                            : "\033[2m";
    return code + text + "\033[0m";
}

std::size_t problem_count(const HostReport& host) {
    return static_cast<std::size_t>(
        std::count_if(host.checks.begin(), host.checks.end(), [](const CheckResult& check) {
            return check.status == CheckStatus::Failed || check.status == CheckStatus::Warning;
        }));
}

Tone host_tone(const HostReport& host) {
    if (!host.healthy()) return Tone::Bad;
    return problem_count(host) > 0 ? Tone::Warn : Tone::Good;
}

std::string role_cell(const HostReport& host) {
    if (host.node.role != LiveRole::Unknown) return to_string(host.node.role);
    return fmt::format("({})", to_string(host.host().role));
}

std::string probe_cell(const ProbeResult& probe) {
    switch (probe.status) {
        case ProbeStatus::Replayed:
            return fmt::format("{}{:.0f} ms", probe.upper_bound ? "<=" : "", probe.ms.value_or(0));
        case ProbeStatus::Timeout:
            return "timeout";
        case ProbeStatus::Failed:
            return "failed";
        case ProbeStatus::Skipped:
            return "skipped";
        case ProbeStatus::NotRun:
            return "-";
    }
    return "-";
}

Row host_row(const HostReport& host) {
    const bool standby = host.node.role == LiveRole::Standby || host.upstream.has_value() ||
                         !host.node.unknown_sender.empty();
    std::string upstream = "-";
    if (host.upstream) upstream = *host.upstream;
    if (!host.node.unknown_sender.empty()) upstream = host.node.unknown_sender;
    if (host.upstream && host.node.upstream_source == UpstreamSource::Inventory) upstream += "?";
    std::string lag = "-";
    std::string lag_time = "-";
    if (standby && host.lag.bytes) {
        lag = format_bytes(*host.lag.bytes);
        lag_time = host.lag.seconds ? format_seconds(*host.lag.seconds) : "?";
        if (!host.lag.note.empty() && host.lag.seconds_source == LagSource::CaughtUp)
            lag_time += " (idle)";
    }
    const std::size_t problems = problem_count(host);
    return {host.host().name,
            role_cell(host),
            upstream,
            host.state,
            lag,
            lag_time,
            probe_cell(host.probe),
            problems == 0 ? "-" : std::to_string(problems)};
}

std::string verdict(const VerifyReport& report) {
    const auto problems = report.problems();
    const auto failed = std::count_if(problems.begin(), problems.end(), [](const Problem& p) {
        return p.status == CheckStatus::Failed;
    });
    if (!report.healthy()) {
        std::vector<std::string> hosts;
        for (const auto& host : report.hosts) {
            if (!host.healthy()) hosts.push_back(host.host().name);
        }
        return fmt::format("UNHEALTHY{}: {} failed check(s) on {}",
                           report.split_brain()
                               ? fmt::format(" (SPLIT BRAIN: {} are all primaries)",
                                             fmt::join(report.primaries, ", "))
                               : "",
                           failed, fmt::join(hosts, ", "));
    }
    std::size_t streaming = 0;
    double slowest = 0;
    for (const auto& host : report.hosts) {
        if (host.node.role == LiveRole::Standby) ++streaming;
        if (host.probe.ms) slowest = std::max(slowest, *host.probe.ms);
    }
    std::string text = fmt::format("healthy: primary {}, {} standby(s) streaming",
                                   report.primary.value_or("?"), streaming);
    if (streaming > 0) text += fmt::format(", slowest probe {:.0f} ms", slowest);
    if (problems.size() > 0) text += fmt::format(" ({} warning(s))", problems.size());
    return text;
}

}  // namespace

std::string render_verify_text(const VerifyReport& report, Color color) {
    std::vector<Row> rows;
    rows.push_back({"HOST", "ROLE", "UPSTREAM", "STATE", "LAG", "LAG TIME", "PROBE", "PROBLEMS"});
    for (const auto& host : report.hosts) rows.push_back(host_row(host));
    std::array<std::size_t, kColumns> width{};
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < kColumns; ++c) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::string line;
        for (std::size_t c = 0; c < kColumns; ++c) {
            std::string cell = rows[r][c];
            const bool last = c + 1 == kColumns;
            const std::string padding = last ? "" : std::string(width[c] - cell.size() + 2, ' ');
            Tone tone = Tone::Plain;
            if (r == 0) {
                tone = Tone::Dim;
            } else if (c == 3) {
                tone = host_tone(report.hosts[r - 1]);
            }
            line += paint(cell, tone, color) + padding;
        }
        out += line + "\n";
    }
    // After pgrepl handoff patroni: what each host's Patroni says, on one line.
    std::vector<std::string> patroni;
    for (const auto& host : report.hosts) {
        const auto& view = host.gathered.patroni;
        if (!view || (!view->configured && view->status == 0)) continue;
        patroni.push_back(
            view->status == 0
                ? host.host().name + " no answer"
                : fmt::format("{} {} {}{}", host.host().name, view->role, view->state,
                              view->timeline ? fmt::format(" TL {}", *view->timeline) : ""));
    }
    if (!patroni.empty()) out += fmt::format("\npatroni: {}\n", fmt::join(patroni, ", "));
    const auto problems = report.problems();
    if (!problems.empty()) out += "\n";
    for (const auto& problem : problems) {
        const bool failed = problem.status == CheckStatus::Failed;
        out += paint(problem.host + ":", failed ? Tone::Bad : Tone::Warn, color);
        out += fmt::format(" {}{}\n", failed ? "" : "warning: ", problem.message);
        if (!problem.hint.empty()) out += fmt::format("  hint: {}\n", problem.hint);
    }
    if (!report.notes.empty()) out += "\n";
    for (const auto& note : report.notes) {
        out += fmt::format(
            "note: {} (the live topology is what counts; update the inventory's "
            "role/upstream keys)\n",
            note);
    }
    if (report.archive_test) out += "\n" + archive_test_line(*report.archive_test) + "\n";
    out += "\n" + paint(verdict(report), report.healthy() ? Tone::Good : Tone::Bad, color) + "\n";
    return out;
}

}  // namespace pgrepl
