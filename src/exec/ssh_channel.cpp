// Running one command on a channel: stdin written in window-sized chunks while both output
// streams are collected by callbacks, so neither side can block the other (no deadlock with
// many megabytes in either direction).
#include <algorithm>

#include "exec/ssh_session.hpp"

namespace pgrepl {
namespace {

/// What the channel callbacks collect.
struct ChannelState {
    ChannelOutcome outcome;  ///< streams, exit status, signal
    bool eof = false;        ///< the server sent EOF (no more output)
    bool closed = false;     ///< the server closed the channel
};

int on_data(ssh_session, ssh_channel, void* data, uint32_t length, int is_stderr, void* user) {
    auto* state = static_cast<ChannelState*>(user);
    std::string& stream = is_stderr != 0 ? state->outcome.err : state->outcome.out;
    stream.append(static_cast<const char*>(data), length);
    return static_cast<int>(length);  // all consumed: libssh grows the window again
}

void on_eof(ssh_session, ssh_channel, void* user) {
    static_cast<ChannelState*>(user)->eof = true;
}

void on_close(ssh_session, ssh_channel, void* user) {
    static_cast<ChannelState*>(user)->closed = true;
}

void on_exit_status(ssh_session, ssh_channel, int status, void* user) {
    static_cast<ChannelState*>(user)->outcome.exit_status = status;
}

void on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*,
                    void* user) {
    static_cast<ChannelState*>(user)->outcome.signal = signal != nullptr ? signal : "UNKNOWN";
}

/// Owns a channel and its callbacks: the callbacks are removed, then the channel closed and
/// freed on scope exit (libssh may keep a freed channel until the server closes it too).
class ChannelGuard {
  public:
    ChannelGuard(ssh_channel channel, ssh_channel_callbacks callbacks)
        : channel_(channel), callbacks_(callbacks) {}
    ~ChannelGuard() {
        if (channel_ != nullptr) {
            ssh_remove_channel_callbacks(channel_, callbacks_);
            if (ssh_channel_is_open(channel_) != 0) {
                ssh_channel_close(channel_);
            }
            ssh_channel_free(channel_);
        }
    }
    ChannelGuard(const ChannelGuard&) = delete;
    ChannelGuard& operator=(const ChannelGuard&) = delete;
    ssh_channel get() const { return channel_; }

  private:
    ssh_channel channel_;
    ssh_channel_callbacks callbacks_;
};

/// The largest stdin piece written at once.
constexpr std::size_t kStdinChunk = 64 * 1024;

}  // namespace

Result<ChannelOutcome> run_on_channel(ssh_session session, const std::string& command_line,
                                      std::string_view stdin_data, const std::string& host,
                                      const std::string& purpose, const StderrObserver& on_stderr) {
    const auto lost = [&](std::string_view what) {
        return make_host_error(
            ErrorKind::Connect, host, purpose, std::string(what) + ": " + last_ssh_error(session),
            "the SSH connection failed; check the network and the host, then run "
            "pgrepl again (every step is idempotent)");
    };
    if (ssh_is_connected(session) == 0) {
        return lost("the SSH connection is closed");
    }
    ChannelState state;
    ssh_channel_callbacks_struct callbacks{};
    callbacks.userdata = &state;
    callbacks.channel_data_function = on_data;
    callbacks.channel_eof_function = on_eof;
    callbacks.channel_close_function = on_close;
    callbacks.channel_exit_status_function = on_exit_status;
    callbacks.channel_exit_signal_function = on_exit_signal;
    ssh_callbacks_init(&callbacks);

    ChannelGuard channel(ssh_channel_new(session), &callbacks);
    if (channel.get() == nullptr) {
        return lost("cannot create an SSH channel");
    }
    ssh_set_channel_callbacks(channel.get(), &callbacks);

    if (ssh_channel_open_session(channel.get()) != SSH_OK) {
        return lost("cannot open an SSH channel");
    }
    if (ssh_channel_request_exec(channel.get(), command_line.c_str()) != SSH_OK) {
        return lost("cannot start the remote command");
    }

    // Send stdin. With window left, write at most that much (never blocks); with none, the write
    // waits (at most the session timeout) for the server to grow it, and meanwhile libssh keeps
    // delivering output to the callbacks, so a command that writes while we write cannot stall.
    std::size_t sent = 0;
    while (sent < stdin_data.size() && !state.closed) {
        const std::size_t window = ssh_channel_window_size(channel.get());
        const std::size_t length =
            std::min({window > 0 ? window : kStdinChunk, stdin_data.size() - sent, kStdinChunk});
        const int written = ssh_channel_write(channel.get(), stdin_data.data() + sent,
                                              static_cast<uint32_t>(length));
        if (written == SSH_ERROR) {
            if (ssh_is_connected(session) == 0) {
                return lost("the SSH connection was lost while sending input");
            }
            break;  // the command ended (channel closed) before reading all its input
        }
        sent += static_cast<std::size_t>(written);
    }
    if (!state.closed) {
        ssh_channel_send_eof(channel.get());
    }

    // Collect the output until the server's EOF (the callbacks append it as it arrives).
    std::size_t err_seen = 0;
    const auto report_stderr = [&] {
        if (on_stderr && state.outcome.err.size() > err_seen) {
            on_stderr(std::string_view(state.outcome.err).substr(err_seen));
            err_seen = state.outcome.err.size();
        }
    };
    while (!state.eof && !state.closed) {
        report_stderr();
        if (ssh_channel_poll_timeout(channel.get(), on_stderr ? 200 : 1000, 0) == SSH_ERROR &&
            !state.closed) {
            return lost("the SSH connection was lost while the command ran");
        }
    }
    report_stderr();

    // The exit status (or signal) follows the EOF; a command may close its output and go on
    // running. ssh_channel_get_exit_status() waits at most the session timeout, so loop.
    while (!state.outcome.exit_status && !state.outcome.signal && !state.closed) {
        ssh_channel_get_exit_status(channel.get());
        if (ssh_is_connected(session) == 0) {
            return lost("the SSH connection was lost while waiting for the exit status");
        }
    }
    return std::move(state.outcome);
}

}  // namespace pgrepl
