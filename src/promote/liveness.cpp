#include "pgrepl/promote/liveness.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pgrepl/handover/topology.hpp"

namespace pgrepl {
namespace {

using std::chrono::milliseconds;

std::string seconds(milliseconds duration) {
    return fmt::format("{:.1f} s", static_cast<double>(duration.count()) / 1000.0);
}

bool streaming(const HandoverHostState& state) {
    return state.reachable && state.running && state.role() == LiveRole::Standby &&
           state.receiver() != nullptr && state.receiver()->status == "streaming";
}

}  // namespace

std::optional<milliseconds> live_silence_bound(std::int64_t wal_receiver_timeout_ms) {
    if (wal_receiver_timeout_ms <= 0) return std::nullopt;
    return milliseconds(wal_receiver_timeout_ms / 2) + kHeardMargin;
}

FirstLook first_look(const std::vector<HandoverHostState>& states) {
    FirstLook look;
    look.taken = true;
    for (const auto& state : states) {
        look.streaming.push_back(streaming(state));
        look.heard_us.push_back(streaming(state) ? state.receiver()->heard_us : std::nullopt);
    }
    return look;
}

LivenessJudgment judge_liveness(const Inventory& inventory,
                                const std::vector<HandoverHostState>& states,
                                const FirstLook& first, std::size_t host) {
    LivenessJudgment judged;
    bool alive = false;
    bool unsure = false;
    bool need_known = true;
    milliseconds need{0};
    for (std::size_t i = 0; i < states.size(); ++i) {
        const HandoverHostState& s = states[i];
        if (i == host || !streaming(s)) continue;
        const auto up = configured_upstream(inventory, s);
        if (!up || *up != host) continue;
        const std::string& name = inventory.hosts[i].name;
        const LiveReceiver& receiver = *s.receiver();  // streaming: it has one
        const auto& timeout_ms = s.server->wal_receiver_timeout_ms;
        const auto bound = timeout_ms ? live_silence_bound(*timeout_ms) : std::nullopt;
        if (bound) judged.bound = std::max(judged.bound.value_or(milliseconds(0)), *bound);
        const auto silence =
            receiver.silence_ms ? std::optional<milliseconds>(*receiver.silence_ms) : std::nullopt;
        const std::string ago = silence ? seconds(*silence) + " ago" : "at an unknown time";
        if (first.taken) {
            const bool was_streaming = i < first.streaming.size() && first.streaming[i];
            const auto then = i < first.heard_us.size() ? first.heard_us[i] : std::nullopt;
            if (!was_streaming) {
                alive = true;
                judged.evidence.push_back(
                    fmt::format("{} connected to it while promote waited", name));
                continue;
            }
            if (then && receiver.heard_us && *receiver.heard_us > *then) {
                alive = true;
                judged.evidence.push_back(
                    fmt::format("{} heard from it again while promote waited ({})", name, ago));
                continue;
            }
        }
        if (!silence) {
            unsure = true;
            need_known = false;
            judged.evidence.push_back(
                fmt::format("{} streams from it (when it last heard from it is unknown)", name));
        } else if (!bound) {
            unsure = true;
            need_known = false;
            judged.evidence.push_back(
                fmt::format("{} heard from it {} (its wal_receiver_timeout is {}: its silence "
                            "proves nothing)",
                            name, ago, timeout_ms ? "0" : "unknown"));
        } else if (*silence < *bound) {
            unsure = true;
            need = std::max(need, *bound - *silence);
            judged.evidence.push_back(fmt::format("{} heard from it {}", name, ago));
        } else {
            judged.evidence.push_back(fmt::format("{} has not heard from it for {} (more than {})",
                                                  name, seconds(*silence), seconds(*bound)));
        }
    }
    if (alive) {
        judged.liveness = Liveness::Alive;
    } else if (unsure) {
        judged.liveness = Liveness::Unsure;
        if (need_known) judged.need = need;
    }
    return judged;
}

OldPrimariesJudgment judge_old_primaries(const Inventory& inventory,
                                         const std::vector<HandoverHostState>& states,
                                         const FirstLook& first,
                                         const std::vector<std::size_t>& hosts) {
    OldPrimariesJudgment out;
    std::vector<std::string> alive;
    std::vector<std::string> unsure;
    bool need_known = true;
    milliseconds need{0};
    std::optional<milliseconds> bound;
    for (auto i : hosts) {
        const std::string& name = inventory.hosts[i].name;
        const auto judged = judge_liveness(inventory, states, first, i);
        const std::string evidence = fmt::format("{}", fmt::join(judged.evidence, ", "));
        switch (judged.liveness) {
            case Liveness::Dead:
                if (!judged.evidence.empty())
                    out.dead.push_back(fmt::format("{} is down: {}", name, evidence));
                break;
            case Liveness::Alive:
                alive.push_back(
                    fmt::format("{} is unreachable from here but alive ({})", name, evidence));
                break;
            case Liveness::Unsure:
                unsure.push_back(fmt::format("{}: {}", name, evidence));
                out.unsure_hosts.push_back(i);
                if (judged.need) {
                    need = std::max(need, *judged.need);
                } else {
                    need_known = false;
                }
                if (judged.bound) bound = std::max(bound.value_or(*judged.bound), *judged.bound);
                break;
        }
    }
    if (!alive.empty()) out.alive = fmt::format("{}", fmt::join(alive, "; "));
    if (!unsure.empty()) {
        out.unsure = fmt::format(
            "{}{}", fmt::join(unsure, "; "),
            bound ? fmt::format("; a live primary is heard from within {}", seconds(*bound)) : "");
        if (need_known) out.need = need;
    }
    return out;
}

}  // namespace pgrepl
