// The one way every command connects to its hosts: a TCP reach probe (optional), the SSH
// session, and in check mode the dry-run guard in front of it, one thread per host.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/exec/reach.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// Plan mode or apply mode.
enum class RunMode {
    Apply,  ///< change what needs changing
    Check,  ///< only report what would change (the executor refuses mutating calls)
};

/// Makes a connected executor for a host (connect_ssh in production, fakes in tests).
using ExecutorFactory = std::function<Result<std::unique_ptr<Executor>>(const Host&)>;

/// Whether a run takes the host lock on its hosts (docs/locking.md).
struct LockOptions {
    std::string command;           ///< the command that takes it ("setup"); empty: no lock
    std::chrono::seconds wait{0};  ///< --wait-lock: how long to wait for a held lock
};

/// How the links of a run are opened.
struct ConnectOptions {
    /// Before any SSH connection, a TCP connect to the host's SSH port (empty: no probe). A
    /// host that is silent or refuses the connection fails at once (ErrorKind::Connect, naming
    /// the endpoint, with a hint), without waiting for the SSH connect timeout.
    ReachProbe reach;
    /// The same probe of the host's PostgreSQL port, run alongside (empty: none). It is only
    /// recorded (HostLink::postgres_reach()): promote counts a host whose SSH port is silent
    /// but whose PostgreSQL port answers as up.
    ReachProbe postgres_reach;
    /// The host lock (lock.command set): open_links() takes it on every connected apply-mode
    /// link (lock_links(): the first host, then the others), before any `then`.
    LockOptions lock;
};

/// One host's connection for a command's run: the host, its connected executor or why it
/// could not be opened, the reach probes' findings, and in check mode the dry-run guard that
/// every call goes through.
class HostLink {
  public:
    /// A link not opened yet (connect() opens it). RunMode::Check puts the dry-run guard in
    /// front of the session.
    explicit HostLink(Host host, RunMode mode = RunMode::Apply);
    /// A link over an executor that is already connected, not owned: it must outlive the link.
    HostLink(Host host, Executor& executor, RunMode mode = RunMode::Apply);
    /// Movable, not copyable.
    HostLink(HostLink&& other) noexcept;
    /// Movable, not copyable.
    HostLink& operator=(HostLink&& other) noexcept;
    /// Closes the session.
    ~HostLink();

    /// Probes the SSH port (options.reach, when set), then connects with `factory` and, in
    /// check mode, puts the dry-run guard in front of the session. A failure is kept (error()).
    void connect(const ExecutorFactory& factory, const ConnectOptions& options);
    /// Probes the PostgreSQL port with `probe` (when set) and records the finding.
    void probe_postgres(const ReachProbe& probe);

    /// The host.
    const Host& host() const { return host_; }
    /// Check or apply.
    RunMode mode() const { return mode_; }
    /// The session is open.
    bool connected() const { return executor_ != nullptr; }
    /// What to act through: the dry-run guard in check mode, else the session; nullptr when
    /// not connected.
    Executor* executor() const { return executor_; }
    /// Why the link is not connected (ErrorKind::Internal "not connected" before connect()).
    const Error& error() const { return error_; }
    /// What the SSH port's probe found (empty when not probed).
    const std::optional<ReachResult>& reach() const { return reach_; }
    /// What the PostgreSQL port's probe found (empty when not probed).
    const std::optional<ReachResult>& postgres_reach() const { return postgres_reach_; }
    /// Exclusive use of a link that several threads share (the archive host's link, used by
    /// every node's archive step), until the lock is released.
    std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(*mutex_); }
    /// Closes the session (the link is then not connected).
    void close();

    /// Takes the host lock through the session (never in check mode, nor when not connected);
    /// a refusal or failure is kept (lock_error()). Held until close().
    void take_lock(const LockRequest& request);
    /// take_lock() again (a former refusal is forgotten); a refusal names `asked_wait`, the
    /// wait the user asked for, instead of request.wait.
    void take_lock(const LockRequest& request, std::chrono::seconds asked_wait);
    /// Lets the host lock go (it was taken through this link), keeping the session open.
    void release_lock();
    /// The host lock is held through this link.
    bool locked() const { return held_lock_ != nullptr; }
    /// Why the lock was not taken: kind Refused naming the run that holds it, or what failed.
    const std::optional<Error>& lock_error() const { return lock_error_; }

  private:
    Host host_;
    RunMode mode_ = RunMode::Apply;
    std::unique_ptr<Executor> session_;  // owned session (empty for a borrowed executor)
    std::unique_ptr<Executor> guard_;    // the dry-run guard in check mode
    Executor* executor_ = nullptr;       // what to act through
    Error error_;
    std::optional<ReachResult> reach_;
    std::optional<ReachResult> postgres_reach_;
    std::unique_ptr<std::mutex> mutex_;
    std::unique_ptr<HeldLock> held_lock_;  // after session_: released before it closes
    std::optional<Error> lock_error_;
};

/// Runs in a link's own thread right after it was opened (connected or not): `index` is its
/// place in the list. Lets a command gather a host's state while the others still connect.
using OnLinkOpened = std::function<void(std::size_t index, HostLink& link)>;

/// Opens every link at once, one thread each (a second one per link probes the PostgreSQL port
/// when options.postgres_reach is set; its finding is recorded once this returns), and calls
/// `then` (when set) in the link's thread after its connect. With options.lock: every link is
/// opened first, then locked (lock_links()), then `then` runs for each in its own thread, and
/// not at all when a lock was refused (lock_refusal() says so: the caller stops).
void open_links(std::vector<HostLink>& links, const ExecutorFactory& factory,
                const ConnectOptions& options = {}, const OnLinkOpened& then = {});

/// Links to `hosts` in their order, all in `mode`, opened with open_links().
std::vector<HostLink> connect_hosts(const std::vector<const Host*>& hosts, RunMode mode,
                                    const ExecutorFactory& factory,
                                    const ConnectOptions& options = {},
                                    const OnLinkOpened& then = {});

/// The line a lock names its holder by: "pgrepl COMMAND, pid N on CONTROL-HOST, since TIME".
std::string lock_holder(std::string_view command);

/// Takes the lock for `options` on the connected apply-mode links, once per SSH address and
/// port. Without options.wait all are asked at once, and the first in the order of address and
/// port decides: two runs of one cluster cannot refuse each other. The one that gets it asks
/// again (waiting up to 5 s) where it was refused; the other refuses and lets its locks go at
/// once. With options.wait they are locked one after the other in that order (no two waiting
/// runs can each hold a host the other waits for), stopping at the first refusal or failure.
void lock_links(std::vector<HostLink>& links, const LockOptions& options);

/// The first lock refusal or failure among `links` (lock_error()), if any: the run must stop
/// before any step.
std::optional<Error> lock_refusal(const std::vector<HostLink>& links);

/// Runs `probe` on `host` when it is set, logging the finding at debug level; empty when not.
std::optional<ReachResult> run_reach_probe(const ReachProbe& probe, const Host& host);

/// Every host of the inventory, in file order.
std::vector<const Host*> all_hosts(const Inventory& inventory);

}  // namespace pgrepl
