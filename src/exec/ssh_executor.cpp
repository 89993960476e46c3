// The SSH Executor: one libssh session per host, one channel per call.
#include "pgrepl/exec/ssh_executor.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "exec/remote_command.hpp"
#include "exec/ssh_session.hpp"
#include "pgrepl/exec/host_lock.hpp"

namespace pgrepl {
namespace {

/// Runs commands on one host over one SSH connection. Used by one thread at a time.
class SshExecutor final : public Executor {
  public:
    SshExecutor(Host host, std::unique_ptr<SshConnection> connection)
        : host_(std::move(host)), connection_(std::move(connection)) {
        stats_.connections = 1;
    }

    ~SshExecutor() override { spdlog::debug("{}: disconnecting", host_.name); }

    const std::string& host_name() const override { return host_.name; }

    Result<CommandResult> run(const Command& command) override {
        ++stats_.commands;
        const std::string context = host_.name + ": " + command.purpose;
        const WrapperKind wrapper = wrapper_kind(host_.ssh.user, host_.ssh.become, command.run_as);
        // While the host lock is held, every command also holds it (locked_command_line).
        const std::string line = locked_ ? locked_command_line(host_.ssh.user, host_.ssh.become,
                                                               command.run_as, command.script)
                                         : remote_command_line(host_.ssh.user, host_.ssh.become,
                                                               command.run_as, command.script);
        spdlog::debug("{}: {}", context, one_line(command.script, 200));
        spdlog::trace("{}: remote command line: {}", context, line);
        if (!command.stdin_data.empty()) {
            if (command.secret_stdin) {
                spdlog::trace("{}: stdin: {} bytes (secret, not logged)", context,
                              command.stdin_data.size());
            } else {
                spdlog::trace("{}: stdin: {}", context, one_line(command.stdin_data, 2000));
            }
        }

        const auto start = std::chrono::steady_clock::now();
        Result<ChannelOutcome> outcome =
            run_on_channel(connection_->session, line, command.stdin_data, host_.name,
                           command.purpose, command.on_stderr);
        if (!outcome) {
            return outcome.error();
        }
        CommandResult result;
        result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        result.out = std::move(outcome->out);
        result.err = std::move(outcome->err);
        result.signal = std::move(outcome->signal);
        if (result.signal) {
            result.exit_status = -1;
        } else if (outcome->exit_status) {
            result.exit_status = *outcome->exit_status;
        } else {
            return make_host_error(ErrorKind::Remote, host_.name, command.purpose,
                                   "the command ended without an exit status");
        }
        spdlog::trace("{}: {} in {} ms ({} bytes out, {} bytes err)", context,
                      result.signal ? "killed by SIG" + *result.signal
                                    : "exit " + std::to_string(result.exit_status),
                      result.duration.count(), result.out.size(), result.err.size());
        if (std::optional<Error> error =
                sudo_failure(wrapper, result, host_.name, command.purpose, host_.ssh.user)) {
            return *error;
        }
        return result;
    }

    Status write_file(const FileSpec& file) override {
        if (!file.path.starts_with('/') || file.path.ends_with('/')) {
            return make_host_error(ErrorKind::Internal, host_.name, "write_file",
                                   "'" + file.path + "' is not an absolute file path");
        }
        Command command;
        command.script = write_file_script(file);
        command.stdin_data = file.content;
        command.mutation = Mutation::Mutating;
        command.run_as = RunAs::Admin;
        command.purpose = "write " + file.path;
        command.secret_stdin = file.secret;
        Result<CommandResult> result = run(command);
        if (!result) {
            return result.error();
        }
        if (!result->success()) {
            return make_host_error(ErrorKind::Remote, host_.name, command.purpose,
                                   summarize_stderr(result->err));
        }
        return ok_status();
    }

    Result<std::optional<std::string>> read_file(const std::string& path, RunAs run_as) override {
        Command command;
        command.script = read_file_script(path);
        command.mutation = Mutation::ReadOnly;
        command.run_as = run_as;
        command.purpose = "read " + path;
        Result<CommandResult> result = run(command);
        if (!result) {
            return result.error();
        }
        if (result->exit_status == kReadFileMissingStatus && !result->signal) {
            return std::optional<std::string>();
        }
        if (!result->success()) {
            return make_host_error(ErrorKind::Remote, host_.name, command.purpose,
                                   summarize_stderr(result->err));
        }
        return std::optional<std::string>(std::move(result->out));
    }

    ExecutorStats stats() const override { return stats_; }

    Result<std::string> host_key() const override { return connection_->host_key; }

    Result<LockOutcome> hold_lock(const LockRequest& request) override {
        ++stats_.commands;
        const std::string line = remote_command_line(host_.ssh.user, host_.ssh.become, RunAs::Admin,
                                                     host_lock_script(request));
        spdlog::debug("{}: taking the host lock (wait {} s)", host_.name, request.wait.count());
        const LockContext context{host_.name,
                                  wrapper_kind(host_.ssh.user, host_.ssh.become, RunAs::Admin),
                                  host_.ssh.user};
        auto outcome = hold_lock_on_session(connection_->session, line, request, context);
        if (outcome && outcome->held) locked_ = true;
        return outcome;
    }

  private:
    Host host_;
    bool locked_ = false;  // the host lock was taken: commands hold it too
    std::unique_ptr<SshConnection> connection_;
    ExecutorStats stats_;
};

}  // namespace

Result<std::unique_ptr<Executor>> connect_ssh(const Host& host) {
    Result<std::unique_ptr<SshConnection>> connection = open_ssh_connection(host);
    if (!connection) {
        return connection.error();
    }
    return std::unique_ptr<Executor>(
        std::make_unique<SshExecutor>(host, std::move(connection).value()));
}

}  // namespace pgrepl
