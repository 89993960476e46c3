// Test hook (crash points): kills pgrepl with SIGKILL right after its Nth mutating remote call
// returned, so that the end-to-end suite can prove that a re-run converges from every point at
// which a run can die. Only the environment variables that the e2e suite sets turn it on
// (PGREPL_TEST_CRASH_AFTER, PGREPL_TEST_MUTATION_LOG, read once by the command line); when they
// are unset no executor is wrapped and nothing changes.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "pgrepl/exec/executor.hpp"
#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// The environment variable: kill the process right after this many mutating calls (N >= 1).
inline constexpr const char* kCrashAfterEnv = "PGREPL_TEST_CRASH_AFTER";
/// The environment variable: append one line per mutating call to this file.
inline constexpr const char* kMutationLogEnv = "PGREPL_TEST_MUTATION_LOG";

/// What the crash-point hook is asked to do.
struct CrashPointConfig {
    int crash_after = 0;       ///< kill after this many mutating calls; 0: never
    std::string mutation_log;  ///< the file that gets "N<TAB>HOST<TAB>PURPOSE\n" per call; "": none
};

/// Parses the two variables' values (nullptr or "": unset). std::nullopt when both are unset
/// (the hook is off); a Usage error when PGREPL_TEST_CRASH_AFTER is not an integer >= 1.
Result<std::optional<CrashPointConfig>> parse_crash_point_config(const char* crash_after,
                                                                 const char* mutation_log);

/// The count of mutating calls of one pgrepl process, shared by every host's executor (they
/// run on parallel threads). Owned by the executor factory.
class CrashPoints {
  public:
    /// What happens at the Nth call; the default kills the own process with SIGKILL.
    using Crash = std::function<void()>;

    /// A counter for `config`; `crash` replaces the kill (unit tests).
    explicit CrashPoints(CrashPointConfig config, Crash crash = {});

    /// Counts a mutating call that returned (whatever its result), appends it to the mutation
    /// log, and crashes when it is the Nth.
    void after_mutating(const std::string& host, const std::string& purpose);

    /// The mutating calls counted so far.
    int count() const { return count_.load(); }

  private:
    CrashPointConfig config_;
    Crash crash_;
    std::atomic<int> count_{0};
    std::mutex log_mutex_;
};

/// Wraps `inner` (owned): every call passes through; after a run() with Mutation::Mutating or
/// a write_file() returned, `points` counts it (and may kill the process).
std::unique_ptr<Executor> make_crash_point(std::unique_ptr<Executor> inner,
                                           std::shared_ptr<CrashPoints> points);

}  // namespace pgrepl
