// The host lock over SSH: the lock script on a channel of its own that stays open while the
// lock is held (docs/locking.md).
#include <spdlog/spdlog.h>

#include <chrono>

#include "exec/remote_command.hpp"
#include "exec/ssh_session.hpp"
#include "pgrepl/exec/host_lock.hpp"

namespace pgrepl {
namespace {

/// How much longer than the remote wait pgrepl waits for the lock script's verdict.
constexpr std::chrono::seconds kVerdictSlack{60};

/// Owns a channel without callbacks: closed and freed on scope exit unless released.
class OwnedChannel {
  public:
    explicit OwnedChannel(ssh_channel channel) : channel_(channel) {}
    ~OwnedChannel() {
        if (channel_ == nullptr) return;
        if (ssh_channel_is_open(channel_) != 0) {
            ssh_channel_send_eof(channel_);
            ssh_channel_close(channel_);
        }
        ssh_channel_free(channel_);
    }
    OwnedChannel(const OwnedChannel&) = delete;
    OwnedChannel& operator=(const OwnedChannel&) = delete;
    ssh_channel get() const { return channel_; }

  private:
    ssh_channel channel_;
};

/// The lock, held while its channel stays open: closing it ends the script's standard input.
class SshHeldLock final : public HeldLock {
  public:
    SshHeldLock(std::unique_ptr<OwnedChannel> channel, std::string host)
        : channel_(std::move(channel)), host_(std::move(host)) {}
    ~SshHeldLock() override {
        channel_.reset();
        spdlog::debug("{}: lock released", host_);
    }

  private:
    std::unique_ptr<OwnedChannel> channel_;
    std::string host_;
};

/// Appends what the channel has on standard error without waiting.
void drain_stderr(ssh_channel channel, std::string& err) {
    char buffer[4096];
    for (int n; (n = ssh_channel_read_nonblocking(channel, buffer, sizeof buffer, 1)) > 0;)
        err.append(buffer, static_cast<std::size_t>(n));
}

}  // namespace

Result<LockOutcome> hold_lock_on_session(ssh_session session, const std::string& command_line,
                                         const LockRequest& request, const LockContext& context) {
    const auto lost = [&](std::string_view what) {
        return make_host_error(
            ErrorKind::Connect, context.host, "lock",
            std::string(what) + ": " + last_ssh_error(session),
            "the SSH connection failed; check the network and the host, then run pgrepl again");
    };
    auto channel = std::make_unique<OwnedChannel>(ssh_channel_new(session));
    if (channel->get() == nullptr) return lost("cannot create an SSH channel");
    if (ssh_channel_open_session(channel->get()) != SSH_OK)
        return lost("cannot open an SSH channel");
    if (ssh_channel_request_exec(channel->get(), command_line.c_str()) != SSH_OK)
        return lost("cannot start the lock script");

    const auto deadline = std::chrono::steady_clock::now() + request.wait +
                          std::chrono::seconds(kDrainSeconds) + kVerdictSlack;
    std::string out;
    std::string err;
    bool said_waiting = false;
    char buffer[4096];
    while (true) {
        const int n = ssh_channel_read_timeout(channel->get(), buffer, sizeof buffer, 0, 200);
        if (n == SSH_ERROR) return lost("the SSH connection was lost while taking the lock");
        if (n > 0) out.append(buffer, static_cast<std::size_t>(n));
        drain_stderr(channel->get(), err);
        const LockReply reply = read_lock_reply(out);
        if (reply.state == LockReply::State::Locked) {
            spdlog::debug("{}: lock taken", context.host);
            return LockOutcome{std::make_unique<SshHeldLock>(std::move(channel), context.host), {}};
        }
        if (reply.state == LockReply::State::Busy) return LockOutcome{nullptr, reply.holder};
        if (reply.waiting && !said_waiting) {
            const std::string holder = reply.holder.empty() ? "(unknown)" : reply.holder;
            if (reply.draining) {
                spdlog::info(
                    "{}: waiting up to {} s for the commands still running of a run "
                    "that ended ({})",
                    context.host, kDrainSeconds, holder);
            } else {
                spdlog::info("{}: waiting up to {} s for the lock held by {}", context.host,
                             request.wait.count(), holder);
            }
            said_waiting = true;
        }
        if (n == 0 && ssh_channel_is_eof(channel->get()) != 0) break;
        if (std::chrono::steady_clock::now() > deadline) {
            return make_host_error(ErrorKind::Timeout, context.host, "lock",
                                   "the lock script gave no verdict in time");
        }
    }
    // The script ended without a verdict: it could not run (sudo) or not open the lock file.
    drain_stderr(channel->get(), err);
    CommandResult result;
    result.exit_status = ssh_channel_get_exit_status(channel->get());
    result.out = out;
    result.err = err;
    if (std::optional<Error> error =
            sudo_failure(context.wrapper, result, context.host, "lock", context.ssh_user)) {
        return *error;
    }
    return make_host_error(ErrorKind::Remote, context.host, "lock",
                           "cannot take the host lock (exit " + std::to_string(result.exit_status) +
                               "): " + summarize_stderr(err),
                           "the lock needs flock(1) (util-linux) on the host and a writable " +
                               std::string(kHostLockDir) + " as root");
}

}  // namespace pgrepl
