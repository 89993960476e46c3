#include "pgrepl/exec/crash_point.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>

namespace pgrepl {
namespace {

bool unset(const char* value) {
    return value == nullptr || *value == '\0';
}

/// SIGKILL of the own process: no destructor, no flush, no goodbye to the hosts.
void kill_self() {
    spdlog::default_logger()->flush();
    ::kill(::getpid(), SIGKILL);
}

/// Appends `line` to `path` in one write (opened and closed each time: survives the kill).
void append_line(const std::string& path, const std::string& line) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        spdlog::warn("test hook: cannot open {}: {}", path, std::strerror(errno));
        return;
    }
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        spdlog::warn("test hook: cannot write {}: {}", path, std::strerror(errno));
    ::close(fd);
}

/// Passes every call to the wrapped executor and counts the mutating ones once they returned.
class CrashPoint final : public Executor {
  public:
    CrashPoint(std::unique_ptr<Executor> inner, std::shared_ptr<CrashPoints> points)
        : inner_(std::move(inner)), points_(std::move(points)) {}

    const std::string& host_name() const override { return inner_->host_name(); }

    Result<CommandResult> run(const Command& command) override {
        auto result = inner_->run(command);
        if (command.mutation == Mutation::Mutating)
            points_->after_mutating(host_name(), command.purpose);
        return result;
    }

    Status write_file(const FileSpec& file) override {
        auto result = inner_->write_file(file);
        points_->after_mutating(host_name(), "write " + file.path);
        return result;
    }

    Result<std::optional<std::string>> read_file(const std::string& path, RunAs run_as) override {
        return inner_->read_file(path, run_as);
    }

    ExecutorStats stats() const override { return inner_->stats(); }

    Result<std::string> host_key() const override { return inner_->host_key(); }

    // The lock changes no host state: passed on, not counted.
    Result<LockOutcome> hold_lock(const LockRequest& request) override {
        return inner_->hold_lock(request);
    }

  private:
    std::unique_ptr<Executor> inner_;
    std::shared_ptr<CrashPoints> points_;
};

}  // namespace

Result<std::optional<CrashPointConfig>> parse_crash_point_config(const char* crash_after,
                                                                 const char* mutation_log) {
    if (unset(crash_after) && unset(mutation_log)) return std::optional<CrashPointConfig>{};
    CrashPointConfig config;
    if (!unset(mutation_log)) config.mutation_log = mutation_log;
    if (!unset(crash_after)) {
        const std::string_view text = crash_after;
        const auto [end, error] =
            std::from_chars(text.data(), text.data() + text.size(), config.crash_after);
        if (error != std::errc{} || end != text.data() + text.size() || config.crash_after < 1) {
            return make_error(ErrorKind::Usage,
                              fmt::format("{}={}: not an integer >= 1", kCrashAfterEnv, text),
                              "a test hook of the end-to-end suite; unset it");
        }
    }
    return std::optional<CrashPointConfig>{std::move(config)};
}

CrashPoints::CrashPoints(CrashPointConfig config, Crash crash)
    : config_(std::move(config)), crash_(crash ? std::move(crash) : Crash(kill_self)) {}

void CrashPoints::after_mutating(const std::string& host, const std::string& purpose) {
    const int n = count_.fetch_add(1) + 1;
    if (!config_.mutation_log.empty()) {
        std::lock_guard lock(log_mutex_);
        append_line(config_.mutation_log, fmt::format("{}\t{}\t{}\n", n, host, purpose));
    }
    if (n == config_.crash_after) {
        spdlog::warn("{}: test hook: killed after mutating call {} ({})", host, n, purpose);
        crash_();
    }
}

std::unique_ptr<Executor> make_crash_point(std::unique_ptr<Executor> inner,
                                           std::shared_ptr<CrashPoints> points) {
    return std::make_unique<CrashPoint>(std::move(inner), std::move(points));
}

}  // namespace pgrepl
