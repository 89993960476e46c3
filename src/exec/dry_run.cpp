#include "pgrepl/exec/dry_run.hpp"

#include <stdexcept>
#include <string>

namespace pgrepl {
namespace {

/// Passes read-only calls to the wrapped executor; a mutating call is a bug in plan mode.
class DryRunGuard final : public Executor {
  public:
    explicit DryRunGuard(Executor& inner) : inner_(inner) {}

    const std::string& host_name() const override { return inner_.host_name(); }

    Result<CommandResult> run(const Command& command) override {
        if (command.mutation == Mutation::Mutating) {
            refuse(command.purpose);
        }
        return inner_.run(command);
    }

    Status write_file(const FileSpec& file) override { refuse("write " + file.path); }

    Result<std::optional<std::string>> read_file(const std::string& path, RunAs run_as) override {
        return inner_.read_file(path, run_as);
    }

    ExecutorStats stats() const override { return inner_.stats(); }

    Result<std::string> host_key() const override { return inner_.host_key(); }

    // A check takes no lock (docs/locking.md): asking for one in plan mode is a bug.
    Result<LockOutcome> hold_lock(const LockRequest&) override { refuse("take the host lock"); }

  private:
    [[noreturn]] void refuse(const std::string& purpose) const {
        throw std::logic_error("BUG: " + inner_.host_name() + ": mutating call '" + purpose +
                               "' in plan mode");
    }

    Executor& inner_;
};

}  // namespace

std::unique_ptr<Executor> make_dry_run_guard(Executor& inner) {
    return std::make_unique<DryRunGuard>(inner);
}

}  // namespace pgrepl
