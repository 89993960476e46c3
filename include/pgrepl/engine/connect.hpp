// The one way every command connects to its hosts: a TCP reach probe (optional), the SSH
// session, and in check mode the dry-run guard in front of it, one thread per host.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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
};

/// Runs in a link's own thread right after it was opened (connected or not): `index` is its
/// place in the list. Lets a command gather a host's state while the others still connect.
using OnLinkOpened = std::function<void(std::size_t index, HostLink& link)>;

/// Opens every link at once, one thread each (a second one per link probes the PostgreSQL port
/// when options.postgres_reach is set; its finding is recorded once this returns), and calls
/// `then` (when set) in the link's thread after its connect.
void open_links(std::vector<HostLink>& links, const ExecutorFactory& factory,
                const ConnectOptions& options = {}, const OnLinkOpened& then = {});

/// Links to `hosts` in their order, all in `mode`, opened with open_links().
std::vector<HostLink> connect_hosts(const std::vector<const Host*>& hosts, RunMode mode,
                                    const ExecutorFactory& factory,
                                    const ConnectOptions& options = {},
                                    const OnLinkOpened& then = {});

/// Runs `probe` on `host` when it is set, logging the finding at debug level; empty when not.
std::optional<ReachResult> run_reach_probe(const ReachProbe& probe, const Host& host);

/// Every host of the inventory, in file order.
std::vector<const Host*> all_hosts(const Inventory& inventory);

}  // namespace pgrepl
