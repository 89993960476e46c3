// A scripted Executor for unit tests: expected commands with canned results, and a simulated
// file system for read_file()/write_file(). Any unexpected call fails the test.
//
//     FakeExecutor fake("db1");
//     fake.add_file("/etc/postgresql/15/main/postgresql.conf", "port = 5432\n");
//     fake.expect_run("pg_lsclusters", command_ok("15 main 5432 online ..."), Times::Any);
//     fake.expect_run(TextMatch::regex("systemctl (re)?start")).as(RunAs::Admin);
//     fake.expect_write("/etc/postgresql/15/main/conf.d/pgrepl.conf").mode(0644);
//     fake.set_host_key("ssh-ed25519 AAAA...");  // what host_key() returns (else a failure)
//     fake.set_lock_holder("pgrepl setup, pid 7 ...");  // hold_lock(): busy (else it is free)
//     ... run the step ...
//     fake.verify();  // also done by the destructor
//
// Matching: a call is matched against the expectations in the order they were declared; the
// first one that matches and is not used up wins. A Times::Once expectation is used up after one
// call, so two Once expectations for the same script answer the first and the second call.
// A command's on_stderr observer, when set, is called once with the result's err (if any).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/exec/executor.hpp"

namespace pgrepl {

/// How many calls an expectation takes.
enum class Times {
    Once,         ///< exactly one call (the default); never used fails verify()
    AtLeastOnce,  ///< one call or more; never used fails verify()
    Any,          ///< any number of calls, zero included (an allowance)
};

/// Matches a text: a substring (implicitly, from a string), the exact text, a regex searched
/// anywhere in the text (std::regex_search, ECMAScript), or anything.
class TextMatch {
  public:
    /// Matches texts that contain `substring`.
    TextMatch(const char* substring);
    /// Matches texts that contain `substring`.
    TextMatch(std::string substring);
    /// Matches texts that contain `text`.
    static TextMatch substring(std::string text);
    /// Matches exactly `text`.
    static TextMatch exact(std::string text);
    /// Matches texts in which the regex `pattern` is found (std::regex_search).
    static TextMatch regex(const std::string& pattern);
    /// Matches every text.
    static TextMatch any();

    /// True when `text` matches.
    bool matches(std::string_view text) const;
    /// A description for failure messages ("contains 'x'", "matches /x/").
    const std::string& describe() const { return description_; }

  private:
    enum class Kind { Substring, Exact, Regex, Any };
    TextMatch(Kind kind, std::string text, std::string description);

    Kind kind_;
    std::string text_;
    std::shared_ptr<const std::regex> regex_;
    std::string description_;
};

/// A CommandResult with exit status 0 and this standard output.
CommandResult command_ok(std::string out = {});
/// A CommandResult with this exit status, standard error and standard output.
CommandResult command_failed(int exit_status, std::string err = {}, std::string out = {});

/// The scripted fake Executor (see the top of this file).
class FakeExecutor : public Executor {
  public:
    /// What run() does for a matching call: a result, an error, or an action.
    using RunAction = std::function<Result<CommandResult>(const Command&)>;

    /// One expected run() call. Chain the setters to refine it.
    class RunExpectation {
      public:
        /// Only matches commands run as `run_as`.
        RunExpectation& as(RunAs run_as);
        /// Only matches commands whose standard input matches.
        RunExpectation& with_stdin(TextMatch stdin_match);
        /// Only matches commands with this mutation flag.
        RunExpectation& mutation(Mutation mutation);
        /// The result run() returns (default: exit status 0, no output).
        RunExpectation& returns(CommandResult result);
        /// run() returns this error instead (connection lost, sudo refused...).
        RunExpectation& fails(Error error);
        /// run() calls `action` (which may change the fake's files) and returns its result.
        RunExpectation& does(RunAction action);
        /// How many calls it takes (default Times::Once).
        RunExpectation& times(Times times);

      private:
        friend class FakeExecutor;
        explicit RunExpectation(TextMatch script) : script_(std::move(script)) {}
        bool matches(const Command& command) const;
        std::string describe() const;

        TextMatch script_;
        std::optional<RunAs> run_as_;
        std::optional<TextMatch> stdin_;
        std::optional<Mutation> mutation_;
        RunAction action_;
        Times times_ = Times::Once;
        int used_ = 0;
        bool reported_ = false;
    };

    /// One expected write_file() call. Chain the setters to refine it.
    class WriteExpectation {
      public:
        /// Only matches writes whose content matches.
        WriteExpectation& content(TextMatch content);
        /// Only matches writes with this mode.
        WriteExpectation& mode(int mode);
        /// Only matches writes with this owner and group.
        WriteExpectation& owner(std::string user, std::string group);
        /// write_file() returns this error instead (and the file is not changed).
        WriteExpectation& fails(Error error);
        /// How many calls it takes (default Times::Once).
        WriteExpectation& times(Times times);

      private:
        friend class FakeExecutor;
        explicit WriteExpectation(std::string path) : path_(std::move(path)) {}
        bool matches(const FileSpec& file) const;
        std::string describe() const;

        std::string path_;
        std::optional<TextMatch> content_;
        std::optional<int> mode_;
        std::optional<std::pair<std::string, std::string>> owner_;
        std::optional<Error> error_;
        Times times_ = Times::Once;
        int used_ = 0;
        bool reported_ = false;
    };

    /// One call the fake received, in order.
    struct Call {
        enum class Kind { Run, Write, Read };
        Kind kind = Kind::Run;        ///< which method
        Command command;              ///< for Run
        FileSpec file;                ///< for Write (for Read: only `path`)
        RunAs run_as = RunAs::Admin;  ///< for Read
        bool matched = true;          ///< false when no expectation matched

        /// True for a mutating run() and for every write.
        bool mutating() const;
    };

    /// A fake for the host named `host_name`.
    explicit FakeExecutor(std::string host_name = "db1");
    /// Calls verify().
    ~FakeExecutor() override;
    FakeExecutor(const FakeExecutor&) = delete;
    FakeExecutor& operator=(const FakeExecutor&) = delete;

    /// Expects a run() whose script matches; refine it with the returned object's setters.
    RunExpectation& expect_run(TextMatch script);
    /// Expects a run() whose script matches, returning `result`, `times` times.
    RunExpectation& expect_run(TextMatch script, CommandResult result, Times times = Times::Once);
    /// Expects a write_file() of `path`; a matching write updates the simulated file.
    WriteExpectation& expect_write(std::string path, Times times = Times::Once);

    /// Puts a file into the simulated file system (read_file() returns its content).
    void add_file(std::string path, std::string content, int mode = 0644,
                  std::string owner = "root", std::string group = "root");
    /// Removes a file from the simulated file system.
    void remove_file(const std::string& path);
    /// The simulated file at `path`, or std::nullopt.
    std::optional<FileSpec> file(const std::string& path) const;
    /// Makes read_file(path) return `error`.
    void fail_read(std::string path, Error error);
    /// Makes host_key() return `key` (`TYPE BASE64`); without it host_key() fails the test.
    void set_host_key(std::string key) { host_key_ = std::move(key); }

    /// Makes hold_lock() find the lock held by the run named `holder` (by default it is free
    /// and granted).
    void set_lock_holder(std::string holder) { lock_holder_ = std::move(holder); }
    /// Makes hold_lock() find the lock held by `holder` only for the next `times` requests
    /// (that run lets it go then).
    void set_lock_holder_for(std::string holder, int times) {
        lock_holder_ = std::move(holder);
        lock_busy_left_ = times;
    }
    /// Makes hold_lock() fail with `error` (the lock cannot be tried).
    void fail_lock(Error error) { lock_error_ = std::move(error); }
    /// The requests hold_lock() received, in order.
    const std::vector<LockRequest>& lock_requests() const { return lock_requests_; }
    /// Forgets the requests hold_lock() received so far.
    void clear_lock_requests() { lock_requests_.clear(); }
    /// How many locks granted by hold_lock() are held now (not destroyed yet).
    int locks_held() const { return *locks_held_; }

    /// Every call so far, in order.
    const std::vector<Call>& calls() const { return calls_; }
    /// How many calls so far were mutating (mutating runs and writes).
    int mutating_calls() const;
    /// Forgets the calls so far (for instance between a first run and an idempotent re-run).
    void clear_calls() { calls_.clear(); }

    /// Fails the test for each Once/AtLeastOnce expectation never used (each reported once).
    void verify();

    const std::string& host_name() const override { return host_name_; }
    Result<CommandResult> run(const Command& command) override;
    Status write_file(const FileSpec& file) override;
    Result<std::optional<std::string>> read_file(const std::string& path,
                                                 RunAs run_as = RunAs::Admin) override;
    ExecutorStats stats() const override;
    Result<std::string> host_key() const override;
    Result<LockOutcome> hold_lock(const LockRequest& request) override;

  private:
    std::string host_name_;
    std::vector<std::unique_ptr<RunExpectation>> runs_;
    std::vector<std::unique_ptr<WriteExpectation>> writes_;
    std::map<std::string, FileSpec> files_;
    std::map<std::string, Error> read_errors_;
    std::optional<std::string> host_key_;
    std::optional<std::string> lock_holder_;
    int lock_busy_left_ = -1;  // requests still answered busy (-1: all)
    std::optional<Error> lock_error_;
    std::vector<LockRequest> lock_requests_;
    std::shared_ptr<int> locks_held_ = std::make_shared<int>(0);
    std::vector<Call> calls_;
    int total_calls_ = 0;
};

}  // namespace pgrepl
