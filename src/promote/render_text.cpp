// The text renderer of promote's events: every line `pgrepl promote` prints.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/promote/report.hpp"
#include "pgrepl/util/text.hpp"
#include "print.hpp"

namespace pgrepl {
namespace {

using namespace promote_detail;

std::string fence_words(const Host& host) {
    const ClusterPaths paths = cluster_paths(host);
    return fmt::format("{} disabled, standby.signal, marker {}", paths.start_conf,
                       paths.fence_file);
}

using Lines = std::vector<std::string>;

struct Renderer {
    const Inventory& inventory;
    const PromoteTextOptions& options;

    const Host& host_of(const std::string& name) const {
        const Host* host = inventory.find_host(name);
        if (host == nullptr) throw std::logic_error("promote event for an unknown host " + name);
        return *host;
    }

    Lines operator()(const PromoteStarted& e) const {
        return {fmt::format("promote {}{}: asking {} host(s) what they are", e.target,
                            e.mode == RunMode::Check ? " --check (nothing is changed)" : "",
                            e.hosts)};
    }
    Lines operator()(const PromoteStates& e) const { return state_table(inventory, e.states); }
    Lines operator()(const PromoteNote& e) const { return {"note: " + e.text}; }
    Lines operator()(const PromoteWaiting& e) const {
        return {fmt::format("waiting for evidence that {} is down: {} s left ({})",
                            fmt::join(e.hosts, ", "), e.seconds_left, e.reason)};
    }
    Lines operator()(const PromoteStopped& e) const {
        switch (e.verdict) {
            case PromoteVerdict::Usage:
                return {"error: " + e.reason, "hint: " + e.hint};
            case PromoteVerdict::Refuse:
                return {"refused: " + e.reason, "hint: " + e.hint, "nothing was changed"};
            default:
                return {"failed: " + e.reason, "hint: " + e.hint, e.changed};
        }
    }
    Lines operator()(const PromoteDecided& e) const {
        return {fmt::format("decision: {} [{} since start]", e.reason, format_duration(e.at))};
    }
    Lines operator()(const PromotePlanned& e) const {
        const Host& host = host_of(e.host);
        const auto version = host.postgres.version.to_string();
        switch (e.action) {
            case PromotePlanned::Action::StopAndFence:
                return {
                    fmt::format("  {}: would stop (pg_ctlcluster {} {} stop -m fast) and "
                                "fence it ({})",
                                host.name, version, host.postgres.cluster_name, fence_words(host))};
            case PromotePlanned::Action::FenceStopped:
                return {fmt::format("  {}: would fence the stopped old primary ({})", host.name,
                                    fence_words(host))};
            case PromotePlanned::Action::Promote:
                break;
        }
        return {fmt::format(
            "  {}: would promote it ({}) and wait until it accepts writes", host.name,
            host.postgres.version.number() >= 1200
                ? "SELECT pg_promote()"
                : "pg_ctlcluster " + version + " " + host.postgres.cluster_name + " promote")};
    }
    Lines operator()(const PromoteFenced& e) const {
        if (!e.error) {
            return {fmt::format("  {}: {}fenced ({}) [{}]", e.host,
                                e.was_running ? "stopped (fast shutdown) and " : "",
                                fence_words(host_of(e.host)), format_duration(e.took))};
        }
        Lines lines{fmt::format("  {}: fence: failed: {}", e.host, describe(*e.error)),
                    "      hint: " + e.error->hint};
        if (!e.must_stop)
            lines.push_back(fmt::format("  warning: {} stays unfenced: do not start it", e.host));
        return lines;
    }
    Lines operator()(const PromoteAborted&) const { return {"nothing was promoted"}; }
    Lines operator()(const PromoteCaughtUp& e) const {
        if (e.reached) {
            return {
                fmt::format("  {}: received the old primary's WAL up to its shutdown "
                            "checkpoint {} [{}]",
                            e.host, format_lsn(e.checkpoint), format_duration(e.took))};
        }
        return {
            fmt::format("  warning: {} did not receive the old primary's WAL up to {}: "
                        "writes after its last received position are lost",
                        e.host, format_lsn(e.checkpoint))};
    }
    Lines operator()(const PromotePromoted& e) const {
        if (e.error) {
            Lines lines{"failed: " + describe(*e.error)};
            if (!e.log_tail.empty())
                lines.push_back("last lines of its server log:\n" + e.log_tail);
            return lines;
        }
        return {
            fmt::format("  {}: promoted: accepts writes on timeline {} (promotion {}; {} "
                        "since start)",
                        e.host, e.timeline, format_duration(e.took), format_duration(e.at))};
    }
    Lines operator()(const RepointStep& e) const {
        return repoint_lines(e, options.mode, options.show_diffs);
    }
    Lines operator()(const RepointFollowed& e) const {
        return repoint_lines(e, options.mode, options.show_diffs);
    }
    Lines operator()(const RepointAhead& e) const {
        return repoint_lines(e, options.mode, options.show_diffs);
    }
    Lines operator()(const PromoteTopology& e) const {
        Lines lines{e.mode == RunMode::Check ? "new topology (planned):" : "new topology:"};
        for (auto& line : topology_lines(e.promoted, e.remarks)) lines.push_back(line);
        return lines;
    }
    Lines operator()(const PromoteInventory& e) const { return inventory_update_lines(e); }
    Lines operator()(const PromoteDone& e) const {
        if (e.mode == RunMode::Check)
            return {fmt::format("check: {} would be promoted; nothing was changed", e.target)};
        std::string summary = fmt::format("done: {} is the primary", e.target);
        if (e.writable_at)
            summary += fmt::format("; writable {} after start", format_duration(*e.writable_at));
        if (e.all_following_at) {
            summary += fmt::format("; {} standby(s) following {} after start", e.following,
                                   format_duration(*e.all_following_at));
        } else if (e.following + e.not_following == 0) {
            summary += "; no standby to re-point";
        }
        if (e.not_following > 0)
            summary +=
                fmt::format("; {} standby(s) NOT following (see the hints)", e.not_following);
        const auto ms = [](const std::optional<Millis>& at) {
            return at ? std::to_string(at->count()) : std::string("-");
        };
        return {summary, fmt::format("timings: writable_ms={} following_ms={} total_ms={}",
                                     ms(e.writable_at), ms(e.all_following_at), e.total.count())};
    }
};

}  // namespace

std::vector<std::string> render_promote_event(const Inventory& inventory, const PromoteEvent& event,
                                              const PromoteTextOptions& options) {
    return std::visit(Renderer{inventory, options}, event);
}

}  // namespace pgrepl
