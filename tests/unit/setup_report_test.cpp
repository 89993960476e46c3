// setup's printer: a failed step's line shows describe() of its error, and the error logged
// under it reads the error's host and step (its own when it happened on this host, else this
// step's before its whole text).
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>

#include "pgrepl/engine/step_printer.hpp"

namespace pgrepl {
namespace {

/// Collects what is logged while it lives (the default logger is restored afterwards).
class LogCapture {
  public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
        sink->set_pattern("%v");
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    std::string text() const { return text_.str(); }

  private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream text_;
};

TEST(StepPrinter, AFailedStepLogsItsErrorWithHostAndStep) {
    std::ostringstream out;
    LogCapture log;
    StepPrinter printer(out, RunMode::Apply, ShowDiffs::No, {"db1"});
    // An error of this host: its own step (the executor's purpose).
    printer.print(failed_report(
        "db1", "hba",
        make_host_error(ErrorKind::Remote, "db1", "write /etc/x", "mv: denied", "check /etc")));
    // Another host's error: this host's step, then the whole text.
    printer.print(failed_report("db1", "archive",
                                make_host_error(ErrorKind::Remote, "db3", "read /a", "boom")));
    // An error that names no host, and a conflict (no error): this host and step.
    printer.print(failed_report("db1", "cluster", make_error(ErrorKind::Remote, "exit 1")));
    StepReport conflict;
    conflict.host = "db1";
    conflict.step = "replica";
    conflict.status = StepStatus::Failed;
    conflict.reason = "refusing to replace a running primary";
    conflict.failure = ErrorKind::Refused;
    printer.print(conflict);
    EXPECT_EQ(out.str(),
              "db1   hba       failed   db1: write /etc/x: mv: denied\n"
              "db1   archive   failed   db3: read /a: boom\n"
              "db1   cluster   failed   exit 1\n"
              "db1   replica   failed   refusing to replace a running primary\n");
    EXPECT_EQ(log.text(),
              "db1: write /etc/x: mv: denied\n"
              "hint: check /etc\n"
              "db1: archive: db3: read /a: boom\n"
              "db1: cluster: exit 1\n"
              "db1: replica: refusing to replace a running primary\n");
    EXPECT_EQ(printer.failure(), ErrorKind::Refused);
}

TEST(FailedReport, KeepsTheErrorAndShowsItsDescription) {
    const Error error =
        make_host_error(ErrorKind::Sudo, "db2", "gather state", "sudo -n refused", "give sudo");
    const StepReport report = failed_report("db2", "gather", error);
    EXPECT_EQ(report.host, "db2");
    EXPECT_EQ(report.step, "gather");
    EXPECT_EQ(report.status, StepStatus::Failed);
    EXPECT_EQ(report.reason, "db2: gather state: sudo -n refused");
    EXPECT_EQ(report.hint, "give sudo");
    EXPECT_EQ(report.failure, ErrorKind::Sudo);
    ASSERT_TRUE(report.error);
    EXPECT_EQ(report.error->step, "gather state");
}

}  // namespace
}  // namespace pgrepl
