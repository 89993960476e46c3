// Lends an executor the test keeps (a SimHost's fake) to code that owns its executors.
#pragma once

#include "pgrepl/exec/executor.hpp"

namespace pgrepl::test {

/// Forwards every call to `inner`, which must outlive it.
class BorrowedExecutor final : public Executor {
  public:
    /// Forwards to `inner`.
    explicit BorrowedExecutor(Executor& inner) : inner_(inner) {}
    const std::string& host_name() const override { return inner_.host_name(); }
    Result<CommandResult> run(const Command& command) override { return inner_.run(command); }
    Status write_file(const FileSpec& file) override { return inner_.write_file(file); }
    Result<std::optional<std::string>> read_file(const std::string& path, RunAs run_as) override {
        return inner_.read_file(path, run_as);
    }
    ExecutorStats stats() const override { return inner_.stats(); }
    Result<std::string> host_key() const override { return inner_.host_key(); }
    Result<LockOutcome> hold_lock(const LockRequest& request) override {
        return inner_.hold_lock(request);
    }

  private:
    Executor& inner_;
};

}  // namespace pgrepl::test
