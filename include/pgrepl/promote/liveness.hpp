// Is an unreachable old primary dead, or only cut off from the control node? A pure judgment
// of what the standbys that stream from it say (pg_stat_wal_receiver: status, when the receiver
// last heard from its sender, its wal_receiver_timeout), unit-tested on a table of evidence.
// After a power loss (no FIN, no RST) a receiver says `streaming` until wal_receiver_timeout;
// but a receiver connected to a LIVE sender hears from it at least every
// wal_receiver_timeout / 2 (it asks for a reply after that much silence, and the sender
// answers at once). So a receiver silent for longer than that bound (plus a margin) proves its
// sender dead or cut off from it too; one that heard from it after promote first looked proves
// it alive. See docs/promote.md, "A primary that lost power".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgrepl/handover/state.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// Added to wal_receiver_timeout / 2 for the round trip of the receiver's ping, the
/// receiver's wake-up interval (100 ms before PostgreSQL 16) and scheduling delays.
inline constexpr std::chrono::milliseconds kHeardMargin{2000};

/// The longest a connected receiver can go without a message from a live sender:
/// wal_receiver_timeout / 2 + kHeardMargin. std::nullopt when the timeout is 0 (disabled: the
/// receiver never asks, so its silence proves nothing).
std::optional<std::chrono::milliseconds> live_silence_bound(std::int64_t wal_receiver_timeout_ms);

/// What promote saw at its first look, to tell a message that arrived while it waited. The
/// vectors are aligned with inventory.hosts.
struct FirstLook {
    bool taken = false;           ///< false at the first look itself
    std::vector<bool> streaming;  ///< whether the host's WAL receiver was streaming
    /// When a streaming receiver had last heard from its sender (LiveReceiver::heard_us).
    std::vector<std::optional<std::int64_t>> heard_us;
};

/// The first look's record of `states` (taken = true).
FirstLook first_look(const std::vector<HandoverHostState>& states);

/// The verdict on one unreachable old primary.
enum class Liveness {
    Dead,    ///< no standby streams from it, or every one that does has been silent too long
    Alive,   ///< a standby heard from it after the first look (or connected to it since)
    Unsure,  ///< a standby streams from it and heard from it recently: wait, or refuse
};

/// The judgment, with the evidence in words.
struct LivenessJudgment {
    Liveness liveness = Liveness::Dead;  ///< the verdict
    /// One phrase per standby that streams from it, e.g. "db2 heard from it 1.2 s ago".
    std::vector<std::string> evidence;
    /// Unsure: how much longer the silence must last to prove it dead (the longest over the
    /// standbys); std::nullopt when waiting cannot prove it (a timeout of 0, no timing).
    std::optional<std::chrono::milliseconds> need;
    /// The largest live-silence bound of the standbys that stream from it (for messages).
    std::optional<std::chrono::milliseconds> bound;
};

/// Judges the unreachable old primary `host` from the running standbys whose configured
/// upstream it is: Alive when one streams and heard from it after `first` was taken (or
/// streams now and did not then); Unsure when one streams and its silence is shorter than its
/// live_silence_bound (or unknown); else Dead. `states` is aligned with inventory.hosts.
LivenessJudgment judge_liveness(const Inventory& inventory,
                                const std::vector<HandoverHostState>& states,
                                const FirstLook& first, std::size_t host);

/// judge_liveness() of several unreachable old primaries, in words for promote's decision.
struct OldPrimariesJudgment {
    /// The alive ones: "db1 is unreachable from here but alive (db3 heard from it again while
    /// promote waited (0.4 s ago))".
    std::optional<std::string> alive;
    /// The unsure ones: "db1: db2 heard from it 1.2 s ago; a live primary is heard from within
    /// 7.0 s".
    std::optional<std::string> unsure;
    std::vector<std::size_t> unsure_hosts;  ///< their inventory indices
    /// Unsure: the longest `need` of them; std::nullopt when one cannot be proven dead.
    std::optional<std::chrono::milliseconds> need;
    /// One note per dead one that standbys streamed from: "db1 is down: db2 has not heard from
    /// it for 7.3 s (more than 7.0 s)".
    std::vector<std::string> dead;
};

/// Judges each of `hosts` (inventory indices of unreachable old primaries).
OldPrimariesJudgment judge_old_primaries(const Inventory& inventory,
                                         const std::vector<HandoverHostState>& states,
                                         const FirstLook& first,
                                         const std::vector<std::size_t>& hosts);

}  // namespace pgrepl
