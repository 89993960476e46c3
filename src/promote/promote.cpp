#include "pgrepl/promote/promote.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "follow.hpp"
#include "gather.hpp"
#include "pgrepl/engine/secret.hpp"
#include "pgrepl/pg/paths.hpp"
#include "pgrepl/pg/psql_output.hpp"
#include "pgrepl/promote/actions.hpp"
#include "pgrepl/promote/decide.hpp"
#include "pgrepl/promote/inventory_edit.hpp"
#include "pgrepl/promote/topology.hpp"
#include "pgrepl/util/diff.hpp"
#include "print.hpp"

namespace pgrepl {
namespace {

using namespace promote_detail;

constexpr std::chrono::seconds kPromoteTimeout{60};
constexpr std::chrono::seconds kCatchUpTimeout{10};

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

ExitCode stop_on(Printer& printer, const PromoteDecision& decision,
                 const std::string& changed = "nothing was changed") {
    switch (decision.verdict) {
        case PromoteVerdict::Usage:
            printer.block({"error: " + decision.reason, "hint: " + decision.hint});
            break;
        case PromoteVerdict::Fail:
            printer.block({"failed: " + decision.reason, "hint: " + decision.hint, changed});
            break;
        case PromoteVerdict::Refuse:
            printer.block(
                {"refused: " + decision.reason, "hint: " + decision.hint, "nothing was changed"});
            break;
        case PromoteVerdict::Promote:
        case PromoteVerdict::Resume:
        case PromoteVerdict::Wait:  // handled by wait_for_evidence
            break;
    }
    const auto kind = stop_kind(decision.verdict);
    return kind ? exit_code_for(*kind) : ExitCode::Ok;
}

std::string fence_words(const Host& host) {
    const ClusterPaths paths = cluster_paths(host);
    return fmt::format("{} disabled, standby.signal, marker {}", paths.start_conf,
                       paths.fence_file);
}

// Fences the old primaries. Returns the furthest last-checkpoint location of those stopped, or
// an exit code when a live one could not be stopped.
Result<std::optional<std::uint64_t>> fence_old_primaries(
    const Inventory& inventory, const PromoteDecision& decision,
    const std::vector<PromoteHostState>& states, std::vector<Session>& sessions, Printer& printer) {
    std::optional<std::uint64_t> last;
    const std::string target = inventory.hosts[decision.target].name;
    const std::string when = utc_now();
    auto fence = [&](std::size_t i, bool live) -> Status {
        const Host& host = inventory.hosts[i];
        const auto start = std::chrono::steady_clock::now();
        auto fenced = run_fence(*sessions[i].active(), host,
                                FenceInput{states[i].data_directory, target, when});
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        if (!fenced) {
            printer.block(
                {fmt::format("  {}: fence: failed: {}", host.name, fenced.error().message),
                 "      hint: " + fenced.error().hint});
            return fenced.error();
        }
        if (fenced->checkpoint && (!last || *fenced->checkpoint > *last)) last = fenced->checkpoint;
        printer.line(fmt::format("  {}: {}fenced ({}) [{}]", host.name,
                                 live ? "stopped (fast shutdown) and " : "", fence_words(host),
                                 format_duration(took)));
        return ok_status();
    };
    for (auto i : decision.stop_and_fence) {
        if (auto done = fence(i, true); !done) return done.error();
    }
    for (auto i : decision.fence_stopped) {
        if (auto done = fence(i, false); !done) {
            printer.line(fmt::format("  warning: {} stays unfenced: do not start it",
                                     inventory.hosts[i].name));
        }
    }
    return last;
}

void print_check_plan(const Inventory& inventory, const PromoteDecision& decision,
                      Printer& printer) {
    const Host& target = inventory.hosts[decision.target];
    for (auto i : decision.stop_and_fence) {
        const Host& host = inventory.hosts[i];
        printer.line(
            fmt::format("  {}: would stop (pg_ctlcluster {} {} stop -m fast) and fence "
                        "it ({})",
                        host.name, host.postgres.version.to_string(), host.postgres.cluster_name,
                        fence_words(host)));
    }
    for (auto i : decision.fence_stopped) {
        printer.line(fmt::format("  {}: would fence the stopped old primary ({})",
                                 inventory.hosts[i].name, fence_words(inventory.hosts[i])));
    }
    if (decision.verdict == PromoteVerdict::Promote) {
        printer.line(fmt::format("  {}: would promote it ({}) and wait until it accepts writes",
                                 target.name,
                                 target.postgres.version.number() >= 1200
                                     ? "SELECT pg_promote()"
                                     : "pg_ctlcluster " + target.postgres.version.to_string() +
                                           " " + target.postgres.cluster_name + " promote"));
    }
}

// Prints the stale lines and, when asked, rewrites them. False when the rewrite failed.
bool handle_inventory(const Inventory& inventory, const Inventory& promoted,
                      const PromoteOptions& options, Printer& printer) {
    const auto stale = stale_inventory_lines(inventory, promoted);
    if (stale.empty()) {
        printer.line("inventory: up to date with the new topology");
        return true;
    }
    printer.line(
        fmt::format("inventory: {} stale line(s) (the live topology is the truth; "
                    "pgrepl verify already uses it):",
                    stale.size()));
    printer.block(stale_lines_text(inventory.path, stale));
    const bool any_role = std::any_of(stale.begin(), stale.end(),
                                      [](const StaleLine& l) { return l.kind == StaleKind::Role; });
    if (options.update_inventory == UpdateInventory::No) {
        if (any_role) {
            printer.line(
                fmt::format("  run pgrepl promote {} --update-inventory to rewrite the "
                            "role values in place, or edit them",
                            options.target));
        }
        return true;
    }
    if (options.mode == RunMode::Check) {
        std::ifstream in(inventory.path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        auto rewritten = rewrite_role_values(text.str(), role_edits(inventory, promoted));
        std::vector<std::string> lines{
            "  --update-inventory: would rewrite the role values in place:"};
        const std::string diff = rewritten ? line_diff(text.str(), *rewritten, inventory.path, 0)
                                           : "cannot: " + rewritten.error().message;
        std::istringstream diff_lines(diff);
        for (std::string line; std::getline(diff_lines, line);) lines.push_back("      " + line);
        printer.block(lines);
        return true;
    }
    auto updated = update_inventory_roles(inventory.path, inventory, promoted);
    if (!updated) {
        printer.block({"  --update-inventory: failed: " + updated.error().message,
                       "      hint: " + updated.error().hint});
        return false;
    }
    printer.line(fmt::format("  --update-inventory: rewrote {} role value(s) in {}", *updated,
                             inventory.path));
    return true;
}

}  // namespace

ExitCode run_promote(const Inventory& file_inventory, const PromoteOptions& options,
                     const ExecutorFactory& factory, std::ostream& out) {
    Printer printer(out, options.start);
    Inventory inventory = file_inventory;
    if (options.connect_timeout) {
        for (auto& host : inventory.hosts) host.ssh.connect_timeout = *options.connect_timeout;
    }
    const bool check = options.mode == RunMode::Check;
    if (inventory.find_host(options.target) == nullptr) {
        return stop_on(printer, decide_promote(inventory, {}, options.target, options.force));
    }
    auto password = load_replication_password(inventory.replication);
    if (!password) spdlog::debug("promote: no replication password: {}", password.error().message);
    const std::string secret = password ? *password : std::string();

    printer.line(fmt::format("promote {}{}: asking {} host(s) what they are", options.target,
                             check ? " --check (nothing is changed)" : "", inventory.hosts.size()));
    std::vector<Session> sessions;
    auto states = connect_and_gather(inventory, factory, options, sessions);
    printer.block(state_table(inventory, states));
    auto decision = decide_promote(inventory, states, options.target, options.force,
                                   PromoteWait{FirstLook{}, options.wait});
    std::set<std::string> noted;  // each note once, also after the second decision
    auto print_notes = [&] {
        for (const auto& note : decision.notes) {
            if (noted.insert(note).second) printer.line("note: " + note);
        }
    };
    print_notes();
    if (decision.verdict == PromoteVerdict::Wait) {
        decision = wait_for_evidence(inventory, options, sessions, states, decision, printer);
        print_notes();
    }
    if (auto stop = stop_on(printer, decision); stop != ExitCode::Ok) return stop;
    printer.line(fmt::format("decision: {} [{} since start]", decision.reason,
                             format_duration(printer.elapsed())));
    const std::size_t t = decision.target;
    const Host& target = inventory.hosts[t];
    int timeline = states[t].timeline.value_or(0);
    std::optional<std::chrono::milliseconds> writable_at;

    if (check) {
        print_check_plan(inventory, decision, printer);
    } else {
        auto fenced = fence_old_primaries(inventory, decision, states, sessions, printer);
        if (!fenced) {
            printer.line("nothing was promoted");
            return exit_code_for(fenced.error().kind);
        }
        if (!decision.stop_and_fence.empty()) {
            if (*fenced) {
                const auto start = std::chrono::steady_clock::now();
                auto caught =
                    run_catch_up(*sessions[t].active(), target, **fenced, kCatchUpTimeout);
                const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start);
                printer.line(caught && *caught
                                 ? fmt::format("  {}: received the old primary's WAL up to its "
                                               "shutdown checkpoint {} [{}]",
                                               target.name, format_lsn(**fenced),
                                               format_duration(took))
                                 : fmt::format("  warning: {} did not receive the old primary's "
                                               "WAL up to {}: writes after its last received "
                                               "position are lost",
                                               target.name, format_lsn(**fenced)));
            }
            regather(inventory, sessions, states);
            decision = decide_promote(inventory, states, options.target, Force::Yes);
            print_notes();
            if (auto stop =
                    stop_on(printer, decision,
                            "nothing was promoted; the old primary stays stopped and fenced");
                stop != ExitCode::Ok) {
                return stop;
            }
        }
        if (decision.verdict == PromoteVerdict::Promote) {
            auto promoted = run_promote_script(*sessions[t].active(), target, kPromoteTimeout);
            if (!promoted) {
                std::vector<std::string> lines{"failed: " + promoted.error().message};
                auto tail = server_log_tail(*sessions[t].active(), target);
                if (!tail.empty()) lines.push_back("last lines of its server log:\n" + tail);
                printer.block(lines);
                return ExitCode::Failed;
            }
            timeline = promoted->timeline;
            writable_at = printer.elapsed();
            printer.line(
                fmt::format("  {}: promoted: accepts writes on timeline {} (promotion "
                            "{}; {} since start)",
                            target.name, timeline, format_duration(promoted->duration),
                            format_duration(*writable_at)));
        }
    }

    const Inventory promoted = promoted_inventory(inventory, t, decision.old_primaries,
                                                  current_upstreams(inventory, states));
    FollowInput follow{promoted, decision,     states,   sessions,
                       secret,   options.mode, timeline, options.show_diffs};
    const auto stale = stale_inventory_lines(inventory, promoted);
    const bool roles_stale = std::any_of(stale.begin(), stale.end(), [](const StaleLine& line) {
        return line.kind == StaleKind::Role;
    });
    if (!roles_stale || options.update_inventory == UpdateInventory::Yes)
        follow.roles_current = UpdateInventory::Yes;
    auto outcome = repoint_followers(follow, printer);
    for (auto i : decision.old_primaries) {
        if (!states[i].reachable && states[i].answered) {
            outcome.remarks[i] = "up but not inspected: NOT fenced; stop it";
        } else if (!states[i].reachable) {
            outcome.remarks[i] = "unreachable: assumed dead, NOT fenced; keep it down";
        } else if (check) {
            outcome.remarks[i] = "would be fenced";
        } else {
            outcome.remarks[i] = "fenced; rejoin: pgrepl setup --force --limit " + target.name +
                                 "," + inventory.hosts[i].name;
        }
    }
    printer.line(check ? "new topology (planned):" : "new topology:");
    printer.block(topology_lines(promoted, outcome.remarks));
    const bool inventory_ok = handle_inventory(inventory, promoted, options, printer);

    if (check) {
        printer.line(fmt::format("check: {} would be promoted; nothing was changed", target.name));
        return ExitCode::Ok;
    }
    std::string summary = fmt::format("done: {} is the primary", target.name);
    if (writable_at)
        summary += fmt::format("; writable {} after start", format_duration(*writable_at));
    if (outcome.all_following_at) {
        summary += fmt::format("; {} standby(s) following {} after start", outcome.following,
                               format_duration(*outcome.all_following_at));
    } else if (outcome.following + outcome.not_following == 0) {
        summary += "; no standby to re-point";
    }
    if (outcome.not_following > 0)
        summary +=
            fmt::format("; {} standby(s) NOT following (see the hints)", outcome.not_following);
    printer.line(summary);
    printer.line(fmt::format(
        "timings: writable_ms={} following_ms={} total_ms={}",
        writable_at ? std::to_string(writable_at->count()) : "-",
        outcome.all_following_at ? std::to_string(outcome.all_following_at->count()) : "-",
        printer.elapsed().count()));
    return inventory_ok ? ExitCode::Ok : ExitCode::Failed;
}

}  // namespace pgrepl
