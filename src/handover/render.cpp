#include "pgrepl/handover/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/util/text.hpp"

namespace pgrepl {
namespace {

std::string role_word(const HandoverHostState& state) {
    if (!state.reachable) return state.answered ? "unknown" : "down";
    if (!state.cluster_exists) return "no cluster";
    if (!state.running) return state.fence_note ? "fenced" : "stopped";
    switch (state.role()) {
        case LiveRole::Primary:
            return "primary";
        case LiveRole::Standby:
            return "standby";
        case LiveRole::Unknown:
            break;
    }
    return "unknown";
}

std::string state_word(const Inventory& inventory, const HandoverHostState& state) {
    if (!state.reachable) {
        return (state.answered ? "cannot inspect: " : "unreachable: ") + state.unreachable_reason;
    }
    if (!state.running) {
        if (state.fence_note) return "fenced " + *state.fence_note;
        return state.standby_signal ? "standby, not running" : "not running";
    }
    if (!state.query_error.empty()) return "cannot query: " + state.query_error;
    if (state.role() == LiveRole::Primary) return "accepting writes";
    std::string from;
    if (auto up = configured_upstream(inventory, state)) {
        from = " from " + inventory.hosts[*up].name;
    } else if (const Endpoint upstream = state.upstream_endpoint(); !upstream.host.empty()) {
        from = " from " + upstream.host;
    }
    const LiveReceiver* receiver = state.receiver();
    std::string word = !receiver || receiver->status.empty() ? "not streaming" : receiver->status;
    if (state.server && state.server->replay_paused.value_or(false)) word += ", replay paused";
    return word + from;
}

void pad(std::vector<std::vector<std::string>>& rows, std::vector<std::string>& out) {
    std::vector<std::size_t> width;
    for (const auto& row : rows) {
        width.resize(std::max(width.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows) {
        std::string line = " ";
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += " ";
            line += row[i];
            if (i + 1 < row.size()) line.append(width[i] - row[i].size(), ' ');
        }
        out.push_back(line);
    }
}

}  // namespace

std::string format_duration(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    if (ms < 1000) return fmt::format("{} ms", ms);
    if (ms < 10000) return fmt::format("{:.2f} s", ms / 1000.0);
    return fmt::format("{:.1f} s", ms / 1000.0);
}

std::vector<std::string> state_table(const Inventory& inventory,
                                     const std::vector<HandoverHostState>& states) {
    std::vector<std::vector<std::string>> rows{{"HOST", "ROLE", "WAL", "TIMELINE", "STATE"}};
    for (std::size_t i = 0; i < inventory.hosts.size() && i < states.size(); ++i) {
        const auto& state = states[i];
        const auto position = state.wal_position();
        rows.push_back({inventory.hosts[i].name, role_word(state),
                        position ? format_lsn(*position) : "-",
                        state.timeline() && state.running ? std::to_string(*state.timeline()) : "-",
                        state_word(inventory, state)});
    }
    std::vector<std::string> out;
    pad(rows, out);
    return out;
}

std::vector<std::string> step_lines(const StepReport& report, RunMode mode, bool show_diff) {
    std::string status = to_string(report.status);
    if (mode == RunMode::Check && report.status == StepStatus::Changed) status = "would change";
    std::vector<std::string> lines{fmt::format("  {}: {}: {}: {} [{}]", report.host, report.step,
                                               status, report.reason,
                                               format_duration(report.duration))};
    if (!report.hint.empty()) {
        std::size_t pos = 0;
        bool first = true;
        while (pos <= report.hint.size()) {
            auto end = report.hint.find('\n', pos);
            if (end == std::string::npos) end = report.hint.size();
            if (end > pos) {
                lines.push_back((first ? "      hint: " : "        ") +
                                report.hint.substr(pos, end - pos));
                first = false;
            }
            pos = end + 1;
        }
    }
    if (show_diff && !report.diff.empty()) {
        std::size_t pos = 0;
        while (pos < report.diff.size()) {
            auto end = report.diff.find('\n', pos);
            if (end == std::string::npos) end = report.diff.size();
            lines.push_back("      " + report.diff.substr(pos, end - pos));
            pos = end + 1;
        }
    }
    return lines;
}

std::vector<std::string> topology_lines(const Inventory& promoted,
                                        const std::vector<std::string>& remarks) {
    std::vector<std::string> lines;
    const auto& hosts = promoted.hosts;
    auto remark = [&](std::size_t i) {
        return i < remarks.size() && !remarks[i].empty() ? "  (" + remarks[i] + ")" : "";
    };
    // Depth-first below the primary.
    std::vector<bool> shown(hosts.size(), false);
    const auto walk = [&](auto&& self, const Host& host, std::size_t depth) -> void {
        for (std::size_t i = 0; i < hosts.size(); ++i) {
            if (shown[i] || hosts[i].role != Role::Replica) continue;
            if (promoted.upstream_of(hosts[i]).name != host.name) continue;
            shown[i] = true;
            lines.push_back(fmt::format("  {}└─ {}  replica{}", std::string(depth * 3, ' '),
                                        hosts[i].name, remark(i)));
            self(self, hosts[i], depth + 1);
        }
    };
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (hosts[i].role != Role::Primary) continue;
        shown[i] = true;
        lines.push_back(fmt::format("  {}  primary{}", hosts[i].name, remark(i)));
        walk(walk, hosts[i], 0);
    }
    return lines;
}

std::vector<std::string> stale_lines_text(const std::string& path,
                                          const std::vector<StaleLine>& lines) {
    std::vector<std::string> out;
    for (const auto& line : lines) {
        out.push_back(
            fmt::format("  {}:{}: {}: {}", path, line.mark.line, line.host, line.message));
    }
    return out;
}

std::vector<std::string> repoint_lines(const RepointEvent& event, RunMode mode, bool show_diff) {
    using Lines = std::vector<std::string>;
    struct Visitor {
        RunMode mode;
        bool show_diff;
        Lines operator()(const RepointStep& e) const {
            auto lines = step_lines(e.report, mode, show_diff);
            if (!e.detail.empty()) lines.insert(lines.begin() + 1, "      detail: " + e.detail);
            return lines;
        }
        Lines operator()(const RepointFollowed& e) const {
            if (e.following) {
                return {fmt::format("  {}: streaming from {} on timeline {} ({} since start)",
                                    e.host, e.upstream, e.timeline, format_duration(e.at))};
            }
            Lines lines{fmt::format("  {}: does not follow {} after {} s ({})", e.host, e.upstream,
                                    e.timeout_s, e.status),
                        "      hint: " + e.hint};
            for (auto line : split_lines(e.log_tail)) {
                if (!line.empty()) lines.push_back("      log: " + std::string(line));
            }
            return lines;
        }
        Lines operator()(const RepointAhead& e) const {
            return {fmt::format("  {}: not re-pointed: it holds {} byte(s) of WAL that {} never "
                                "received",
                                e.host, e.bytes, e.primary),
                    "      hint: " + e.hint};
        }
    };
    return std::visit(Visitor{mode, show_diff}, event);
}

std::vector<std::string> inventory_update_lines(const InventoryUpdate& e) {
    using Lines = std::vector<std::string>;
    if (e.stale.empty()) return {"inventory: up to date with the new topology"};
    Lines lines{
        fmt::format("inventory: {} stale line(s) (the live topology is the truth; "
                    "pgrepl verify already uses it):",
                    e.stale.size())};
    for (auto& line : stale_lines_text(e.path, e.stale)) lines.push_back(line);
    const bool any_role = std::any_of(e.stale.begin(), e.stale.end(), [](const auto& line) {
        return line.kind == StaleKind::Role;
    });
    if (e.update == UpdateInventory::No) {
        if (any_role) {
            lines.push_back(
                fmt::format("  run pgrepl {} {} --update-inventory to rewrite the "
                            "role values in place, or edit them",
                            e.command, e.target));
        }
    } else if (e.mode == RunMode::Check) {
        lines.push_back("  --update-inventory: would rewrite the role values in place:");
        for (auto line : split_lines(e.would_rewrite))
            lines.push_back("      " + std::string(line));
    } else if (e.error) {
        lines.push_back("  --update-inventory: failed: " + e.error->message);
        lines.push_back("      hint: " + e.error->hint);
    } else {
        lines.push_back(fmt::format("  --update-inventory: rewrote {} role value(s) in {}",
                                    e.rewritten, e.path));
    }
    return lines;
}

}  // namespace pgrepl
