#include "support/fake_executor.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

namespace pgrepl {
namespace {

const char* run_as_name(RunAs run_as) {
    return run_as == RunAs::Postgres ? "postgres" : "admin";
}

std::string octal(int mode) {
    char text[16];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
    return text;
}

bool can_take_more(Times times, int used) {
    return times != Times::Once || used == 0;
}

bool required(Times times) {
    return times != Times::Any;
}

}  // namespace

// ---- TextMatch ----

TextMatch::TextMatch(Kind kind, std::string text, std::string description)
    : kind_(kind), text_(std::move(text)), description_(std::move(description)) {
    if (kind_ == Kind::Regex) {
        regex_ = std::make_shared<const std::regex>(text_, std::regex::ECMAScript);
    }
}

TextMatch::TextMatch(const char* substring) : TextMatch(std::string(substring)) {}

TextMatch::TextMatch(std::string substring)
    : TextMatch(Kind::Substring, substring, "contains '" + substring + "'") {}

TextMatch TextMatch::substring(std::string text) {
    return TextMatch(std::move(text));
}

TextMatch TextMatch::exact(std::string text) {
    return TextMatch(Kind::Exact, text, "is exactly '" + text + "'");
}

TextMatch TextMatch::regex(const std::string& pattern) {
    return TextMatch(Kind::Regex, pattern, "matches /" + pattern + "/");
}

TextMatch TextMatch::any() {
    return TextMatch(Kind::Any, {}, "anything");
}

bool TextMatch::matches(std::string_view text) const {
    switch (kind_) {
        case Kind::Substring:
            return text.find(text_) != std::string_view::npos;
        case Kind::Exact:
            return text == text_;
        case Kind::Regex:
            return std::regex_search(text.begin(), text.end(), *regex_);
        case Kind::Any:
            return true;
    }
    return false;
}

CommandResult command_ok(std::string out) {
    CommandResult result;
    result.out = std::move(out);
    return result;
}

CommandResult command_failed(int exit_status, std::string err, std::string out) {
    CommandResult result;
    result.exit_status = exit_status;
    result.err = std::move(err);
    result.out = std::move(out);
    return result;
}

// ---- expectations ----

FakeExecutor::RunExpectation& FakeExecutor::RunExpectation::as(RunAs run_as) {
    run_as_ = run_as;
    return *this;
}

FakeExecutor::RunExpectation& FakeExecutor::RunExpectation::with_stdin(TextMatch stdin_match) {
    stdin_ = std::move(stdin_match);
    return *this;
}

FakeExecutor::RunExpectation& FakeExecutor::RunExpectation::mutation(Mutation mutation) {
    mutation_ = mutation;
    return *this;
}

FakeExecutor::RunExpectation& FakeExecutor::RunExpectation::returns(CommandResult result) {
    action_ = [result = std::move(result)](const Command&) {
        return Result<CommandResult>(result);
    };
    return *this;
}

FakeExecutor::RunExpectation& FakeExecutor::RunExpectation::fails(Error error) {
    action_ = [error = std::move(error)](const Command&) { return Result<CommandResult>(error); };
    return *this;
}

FakeExecutor::RunExpectation& FakeExecutor::RunExpectation::does(RunAction action) {
    action_ = std::move(action);
    return *this;
}

FakeExecutor::RunExpectation& FakeExecutor::RunExpectation::times(Times times) {
    times_ = times;
    return *this;
}

bool FakeExecutor::RunExpectation::matches(const Command& command) const {
    return script_.matches(command.script) && (!run_as_ || *run_as_ == command.run_as) &&
           (!stdin_ || stdin_->matches(command.stdin_data)) &&
           (!mutation_ || *mutation_ == command.mutation);
}

std::string FakeExecutor::RunExpectation::describe() const {
    std::string text = "run: script " + script_.describe();
    if (run_as_) {
        text += ", as " + std::string(run_as_name(*run_as_));
    }
    if (stdin_) {
        text += ", stdin " + stdin_->describe();
    }
    if (mutation_) {
        text += *mutation_ == Mutation::Mutating ? ", mutating" : ", read-only";
    }
    return text + " (used " + std::to_string(used_) + "x)";
}

FakeExecutor::WriteExpectation& FakeExecutor::WriteExpectation::content(TextMatch content) {
    content_ = std::move(content);
    return *this;
}

FakeExecutor::WriteExpectation& FakeExecutor::WriteExpectation::mode(int mode) {
    mode_ = mode;
    return *this;
}

FakeExecutor::WriteExpectation& FakeExecutor::WriteExpectation::owner(std::string user,
                                                                      std::string group) {
    owner_ = std::make_pair(std::move(user), std::move(group));
    return *this;
}

FakeExecutor::WriteExpectation& FakeExecutor::WriteExpectation::fails(Error error) {
    error_ = std::move(error);
    return *this;
}

FakeExecutor::WriteExpectation& FakeExecutor::WriteExpectation::times(Times times) {
    times_ = times;
    return *this;
}

bool FakeExecutor::WriteExpectation::matches(const FileSpec& file) const {
    return file.path == path_ && (!content_ || content_->matches(file.content)) &&
           (!mode_ || *mode_ == file.mode) &&
           (!owner_ || (owner_->first == file.owner && owner_->second == file.group));
}

std::string FakeExecutor::WriteExpectation::describe() const {
    std::string text = "write " + path_;
    if (content_) {
        text += ", content " + content_->describe();
    }
    if (mode_) {
        text += ", mode " + octal(*mode_);
    }
    if (owner_) {
        text += ", owner " + owner_->first + ":" + owner_->second;
    }
    return text + " (used " + std::to_string(used_) + "x)";
}

bool FakeExecutor::Call::mutating() const {
    return kind == Kind::Write || (kind == Kind::Run && command.mutation == Mutation::Mutating);
}

// ---- FakeExecutor ----

FakeExecutor::FakeExecutor(std::string host_name) : host_name_(std::move(host_name)) {}

FakeExecutor::~FakeExecutor() {
    verify();
}

FakeExecutor::RunExpectation& FakeExecutor::expect_run(TextMatch script) {
    runs_.push_back(std::unique_ptr<RunExpectation>(new RunExpectation(std::move(script))));
    return *runs_.back();
}

FakeExecutor::RunExpectation& FakeExecutor::expect_run(TextMatch script, CommandResult result,
                                                       Times times) {
    return expect_run(std::move(script)).returns(std::move(result)).times(times);
}

FakeExecutor::WriteExpectation& FakeExecutor::expect_write(std::string path, Times times) {
    writes_.push_back(std::unique_ptr<WriteExpectation>(new WriteExpectation(std::move(path))));
    return writes_.back()->times(times);
}

void FakeExecutor::add_file(std::string path, std::string content, int mode, std::string owner,
                            std::string group) {
    FileSpec file;
    file.path = path;
    file.content = std::move(content);
    file.mode = mode;
    file.owner = std::move(owner);
    file.group = std::move(group);
    files_[std::move(path)] = std::move(file);
}

void FakeExecutor::remove_file(const std::string& path) {
    files_.erase(path);
}

std::optional<FileSpec> FakeExecutor::file(const std::string& path) const {
    const auto it = files_.find(path);
    if (it == files_.end()) {
        return std::nullopt;
    }
    return it->second;
}

void FakeExecutor::fail_read(std::string path, Error error) {
    read_errors_[std::move(path)] = std::move(error);
}

int FakeExecutor::mutating_calls() const {
    int count = 0;
    for (const Call& call : calls_) {
        count += call.mutating() ? 1 : 0;
    }
    return count;
}

void FakeExecutor::verify() {
    for (auto& expectation : runs_) {
        if (required(expectation->times_) && expectation->used_ == 0 && !expectation->reported_) {
            expectation->reported_ = true;
            ADD_FAILURE() << "FakeExecutor(" << host_name_
                          << "): expected call never made: " << expectation->describe();
        }
    }
    for (auto& expectation : writes_) {
        if (required(expectation->times_) && expectation->used_ == 0 && !expectation->reported_) {
            expectation->reported_ = true;
            ADD_FAILURE() << "FakeExecutor(" << host_name_
                          << "): expected call never made: " << expectation->describe();
        }
    }
}

Result<CommandResult> FakeExecutor::run(const Command& command) {
    ++total_calls_;
    Call call;
    call.kind = Call::Kind::Run;
    call.command = command;
    for (const auto& owned : runs_) {
        // A raw pointer: an action may add expectations (and so move the unique_ptrs).
        RunExpectation* expectation = owned.get();
        if (can_take_more(expectation->times_, expectation->used_) &&
            expectation->matches(command)) {
            ++expectation->used_;
            calls_.push_back(std::move(call));
            if (!expectation->action_) {
                return command_ok();
            }
            const RunAction action = expectation->action_;
            Result<CommandResult> result = action(command);
            if (result && command.on_stderr && !result->err.empty()) {
                command.on_stderr(result->err);
            }
            return result;
        }
    }
    std::ostringstream report;
    report << "FakeExecutor(" << host_name_ << "): unexpected run (purpose '" << command.purpose
           << "', as " << run_as_name(command.run_as) << ", "
           << (command.mutation == Mutation::Mutating ? "mutating" : "read-only") << ")\n"
           << "--- script ---\n"
           << command.script << "\n--- stdin (" << command.stdin_data.size() << " bytes) ---\n"
           << (command.secret_stdin ? "(secret)" : command.stdin_data) << "\n--- expectations ---";
    for (const auto& expectation : runs_) {
        report << "\n  " << expectation->describe();
    }
    ADD_FAILURE() << report.str();
    call.matched = false;
    calls_.push_back(std::move(call));
    return make_error(ErrorKind::Internal,
                      host_name_ + ": " + command.purpose + ": unexpected command in FakeExecutor");
}

Status FakeExecutor::write_file(const FileSpec& file) {
    ++total_calls_;
    Call call;
    call.kind = Call::Kind::Write;
    call.file = file;
    for (auto& expectation : writes_) {
        if (can_take_more(expectation->times_, expectation->used_) && expectation->matches(file)) {
            ++expectation->used_;
            calls_.push_back(std::move(call));
            if (expectation->error_) {
                return *expectation->error_;
            }
            files_[file.path] = file;
            return ok_status();
        }
    }
    std::ostringstream report;
    report << "FakeExecutor(" << host_name_ << "): unexpected write of " << file.path << " (mode "
           << octal(file.mode) << ", owner " << file.owner << ":" << file.group << ")\n"
           << "--- content ---\n"
           << (file.secret ? "(secret)" : file.content) << "\n--- expectations ---";
    for (const auto& expectation : writes_) {
        report << "\n  " << expectation->describe();
    }
    ADD_FAILURE() << report.str();
    call.matched = false;
    calls_.push_back(std::move(call));
    return make_error(ErrorKind::Internal,
                      host_name_ + ": write " + file.path + ": unexpected write in FakeExecutor");
}

Result<std::optional<std::string>> FakeExecutor::read_file(const std::string& path, RunAs run_as) {
    ++total_calls_;
    Call call;
    call.kind = Call::Kind::Read;
    call.file.path = path;
    call.run_as = run_as;
    calls_.push_back(std::move(call));
    if (const auto error = read_errors_.find(path); error != read_errors_.end()) {
        return error->second;
    }
    const auto it = files_.find(path);
    if (it == files_.end()) {
        return std::optional<std::string>();
    }
    return std::optional<std::string>(it->second.content);
}

namespace {

/// A lock the fake granted: counted while it lives.
class FakeHeldLock final : public HeldLock {
  public:
    explicit FakeHeldLock(std::shared_ptr<int> count) : count_(std::move(count)) { ++*count_; }
    ~FakeHeldLock() override { --*count_; }

  private:
    std::shared_ptr<int> count_;
};

}  // namespace

Result<LockOutcome> FakeExecutor::hold_lock(const LockRequest& request) {
    lock_requests_.push_back(request);
    if (lock_error_) return *lock_error_;
    if (lock_holder_ && lock_busy_left_ != 0) {
        if (lock_busy_left_ > 0) --lock_busy_left_;
        return LockOutcome{nullptr, *lock_holder_};
    }
    return LockOutcome{std::make_unique<FakeHeldLock>(locks_held_), {}};
}

Result<std::string> FakeExecutor::host_key() const {
    if (host_key_) {
        return *host_key_;
    }
    ADD_FAILURE() << "FakeExecutor(" << host_name_ << "): unexpected host_key() (none scripted)";
    return make_error(ErrorKind::Internal,
                      host_name_ + ": host key: unexpected host_key() in FakeExecutor");
}

ExecutorStats FakeExecutor::stats() const {
    ExecutorStats stats;
    stats.connections = 1;
    stats.commands = total_calls_;
    return stats;
}

}  // namespace pgrepl
