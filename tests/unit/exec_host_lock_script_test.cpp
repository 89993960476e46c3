// The lock script run for real with /bin/sh and flock(1) in a private directory: a run that
// finds the lock taken names the holder even when the holder has not written its line yet, and
// never names an earlier run whose line is still in the holder file (docs/locking.md).
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "pgrepl/exec/host_lock.hpp"
#include "support/run_sh.hpp"

namespace pgrepl {
namespace {

/// A private directory for the lock, removed at the end.
class LockDir {
  public:
    LockDir() {
        std::string pattern = ::testing::TempDir() + "pgrepl-lock-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~LockDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
    LockDir(const LockDir&) = delete;
    LockDir& operator=(const LockDir&) = delete;
    const std::string& path() const { return path_; }

    /// Writes the lock script for `holder` to a file, with its directory moved here and
    /// `before_holder` run between taking the lock and writing the holder line.
    std::string script(const std::string& name, const LockRequest& request,
                       const std::string& before_holder = {}) const {
        std::string text = host_lock_script(request);
        replace(text, std::string("d=") + kHostLockDir, "d='" + path_ + "/lock.d'");
        replace(text, std::string("d=") + kUserLockDir, "d='" + path_ + "/lock.d'");
        if (!before_holder.empty())
            replace(text, "printf '%s\\n", before_holder + "; printf '%s\\n");
        const std::string file = path_ + "/" + name + ".sh";
        std::ofstream(file) << text;
        return file;
    }

  private:
    static void replace(std::string& text, const std::string& from, const std::string& to) {
        const auto at = text.find(from);
        ASSERT_NE(at, std::string::npos) << from << "\n" << text;
        text.replace(at, from.size(), to);
    }
    std::string path_;
};

/// Starts `first` in the background (holding the lock for `hold` seconds), waits until it
/// holds the lock, then runs `second` and returns its output.
std::string contend(const LockDir& dir, const std::string& first, const std::string& second,
                    int hold = 4) {
    const std::string lock = dir.path() + "/lock.d/lock";
    return run_sh("(sleep " + std::to_string(hold) + " | sh '" + first + "' > '" + dir.path() +
                  "/first.out' 2>&1 &) ; i=0; while [ $i -lt 100 ]; do [ -e '" + lock +
                  "' ] && ! flock -n '" + lock +
                  "' true && break; i=$((i+1)); sleep 0.05; done; sh '" + second + "' < /dev/null");
}

TEST(HostLockScriptRun, NamesAHolderThatHasNotWrittenItsLineYet) {
    LockDir dir;
    const auto first = dir.script("first", LockRequest{"pgrepl setup, pid 1 on a", {}}, "sleep 1");
    const auto second = dir.script("second", LockRequest{"pgrepl setup, pid 2 on b", {}});
    EXPECT_EQ(contend(dir, first, second), "busy pgrepl setup, pid 1 on a\n");
}

TEST(HostLockScriptRun, NeverNamesAnEarlierRunLeftInTheHolderFile) {
    LockDir dir;
    run_sh("mkdir -m 0700 '" + dir.path() + "/lock.d' && printf 'pgrepl promote, old\\n1\\n' > '" +
           dir.path() + "/lock.d/holder'");
    const auto first = dir.script("first", LockRequest{"pgrepl setup, pid 1 on a", {}}, "sleep 1");
    const auto second = dir.script("second", LockRequest{"pgrepl verify, pid 2", {}});
    EXPECT_EQ(contend(dir, first, second), "busy pgrepl setup, pid 1 on a\n");
}

TEST(HostLockScriptRun, TakesTheLockOnceTheHolderEnds) {
    LockDir dir;
    const auto first = dir.script("first", LockRequest{"pgrepl setup, pid 1 on a", {}});
    const auto second =
        dir.script("second", LockRequest{"pgrepl setup, pid 2 on b", std::chrono::seconds(20)});
    EXPECT_EQ(contend(dir, first, second, 1), "waiting pgrepl setup, pid 1 on a\nlocked\n");
    EXPECT_EQ(run_sh("sed -n 1p '" + dir.path() + "/lock.d/holder'"), "pgrepl setup, pid 2 on b\n");
}

TEST(HostLockScriptRun, MakesTheDirectoryPrivateAndRefusesOneItDoesNotOwn) {
    LockDir dir;
    const std::string d = dir.path() + "/lock.d";
    const auto script = dir.script("free", LockRequest{"pgrepl setup, pid 3 on c", {}});
    // Made when missing, 0700.
    EXPECT_EQ(run_sh("sh '" + script + "' < /dev/null; stat -c %a '" + d + "'"), "locked\n700\n");
    // A looser mode is set back.
    EXPECT_EQ(
        run_sh("chmod 0755 '" + d + "'; sh '" + script + "' < /dev/null; stat -c %a '" + d + "'"),
        "locked\n700\n");
    EXPECT_EQ(run_sh("sed -n 1p '" + d + "/holder'"), "pgrepl setup, pid 3 on c\n");
    // Another user's directory is refused (exit 4, no verdict).
    if (::geteuid() == 0) {
        EXPECT_EQ(run_sh("chown 65534 '" + d + "'; sh '" + script + "' < /dev/null 2>&1; echo $?"),
                  d + " is not owned by root\n4\n");
    }
}

TEST(HostLockScriptRun, ACommandOfTheRunStillRunningKeepsTheHost) {
    // The first run's session ended (its standard input closed after 1 s) while one of its
    // commands, holding the lock dir's `active` shared as every command of a locked run does,
    // still runs for 2 s more: the second run finds the host held until that command ends.
    LockDir dir;
    const auto first = dir.script("first", LockRequest{"pgrepl setup, pid 1 on a", {}});
    const auto second =
        dir.script("second", LockRequest{"pgrepl setup, pid 2 on b", std::chrono::seconds(20)});
    const std::string lock_dir = dir.path() + "/lock.d";
    const std::string out =
        run_sh("mkdir -m 0700 '" + lock_dir + "'; (flock -s -o '" + lock_dir +
               "/active' sleep 3 &) ; sleep 0.2; (sleep 1 | sh '" + first +
               "' > /dev/null 2>&1 &); "
               "while ! [ -e '" +
               lock_dir +
               "/holder' ]; do sleep 0.05; done; start=$(date +%s%N); "
               "sh '" +
               second + "' < /dev/null; end=$(date +%s%N); echo $(( (end - start) / 1000000 ))");
    const auto lines = out.substr(0, out.rfind('\n', out.size() - 2) + 1);
    EXPECT_EQ(lines, "waiting pgrepl setup, pid 1 on a\nlocked\n") << out;
    const long waited = std::stol(out.substr(lines.size()));
    EXPECT_GE(waited, 2000) << out;  // the sleep of the first run's command, not its 1 s session
}

TEST(HostLockScriptRun, ARunThatEndedWithCommandsStillRunningIsWaitedForWithoutWaitLock) {
    // The first run's session has ended (its lock script drains), one of its commands runs for
    // 2 s more: a plain second run (no --wait-lock) waits for it, then takes the lock.
    LockDir dir;
    const auto first = dir.script("first", LockRequest{"pgrepl setup, pid 1 on a", {}});
    const auto second = dir.script("second", LockRequest{"pgrepl setup, pid 2 on b", {}});
    const std::string lock_dir = dir.path() + "/lock.d";
    const std::string out = run_sh("mkdir -m 0700 '" + lock_dir + "'; (flock -s -o '" + lock_dir +
                                   "/active' sleep 2.5 &) ; sleep 0.2; (sh '" + first +
                                   "' < /dev/null > /dev/null 2>&1 &); "
                                   "while ! grep -q ended '" +
                                   lock_dir +
                                   "/holder' 2>/dev/null; do sleep 0.05; done; "
                                   "sh '" +
                                   second + "' < /dev/null");
    EXPECT_EQ(out, "draining pgrepl setup, pid 1 on a\nlocked\n");
}

}  // namespace
}  // namespace pgrepl
