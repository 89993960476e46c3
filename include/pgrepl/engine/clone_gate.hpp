// How many base backups may stream from one upstream at once (setup's clones run in parallel).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// A counting gate per upstream host: a clone holds a pass while its pg_basebackup runs. Each
/// pg_basebackup -X stream uses two of the upstream's WAL senders, a streaming standby one: more
/// clones at once than max_wal_senders leaves room for are refused by the upstream.
class CloneGate {
  public:
    /// The gate of every upstream in `limits` (upstream name → clones at once, at least 1); an
    /// upstream not named there is not limited.
    explicit CloneGate(std::map<std::string, int> limits);

    /// A held place; released when destroyed.
    class Pass {
      public:
        /// Moves the place.
        Pass(Pass&& other) noexcept;
        Pass(const Pass&) = delete;
        Pass& operator=(const Pass&) = delete;
        Pass& operator=(Pass&&) = delete;
        /// Releases the place.
        ~Pass();

      private:
        friend class CloneGate;
        Pass(CloneGate* gate, std::string upstream) : gate_(gate), upstream_(std::move(upstream)) {}
        CloneGate* gate_;
        std::string upstream_;
    };

    /// Blocks until a clone from `upstream` may start; `on_wait` is called once first when it
    /// has to wait (with the limit), for a log line.
    Pass enter(const std::string& upstream, const std::function<void(int limit)>& on_wait);

  private:
    void leave(const std::string& upstream);

    std::mutex mutex_;
    std::condition_variable freed_;
    std::map<std::string, int> limits_;
    std::map<std::string, int> inside_;
};

/// The least WAL an upstream must keep (wal_keep_size) for clones from it to run at once when
/// no slot holds WAL for them: four segments.
inline constexpr std::uint64_t kMinWalKeptForParallelClones = 64ull * 1024 * 1024;

/// Whether WAL on `upstream` outlives another clone's checkpoint: a slot per replica
/// (replication.slots), or wal_keep_size (wal_keep_segments before 13) of at least
/// kMinWalKeptForParallelClones; a value the server would refuse counts as keeping.
/// pg_basebackup's own temporary slot is created only once its backup has started, so a
/// checkpoint of a second clone in between may recycle the segment the first one starts in.
bool keeps_wal_for_clones(const Inventory& inventory, const Host& upstream);

/// The clones at once from `upstream` during setup: replication.parallel_clones when set;
/// else 1 when the upstream does not keep WAL for clones (keeps_wal_for_clones), so that
/// each clone streams before the next one starts; else what its max_wal_senders (pgrepl's
/// default_max_wal_senders() or the inventory's) leaves once every standby that streams from
/// it in the inventory has its sender: max_wal_senders - standbys, at least 1.
int clone_limit(const Inventory& inventory, const Host& upstream);

}  // namespace pgrepl
