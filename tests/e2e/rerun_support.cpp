#include "rerun_support.hpp"

#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <sstream>

namespace pgrepl::e2e {

using namespace std::chrono_literals;

std::string data_dir_state(const std::string& host) {
    const std::string d = kDataDir;
    auto state = lab_shell(
        host,
        "cd / && D=" + d + "; [ -n \"$(ls -A $D 2>/dev/null)\" ] || echo empty; " +
            "[ -f $D/global/pg_control ] && echo control; " +
            "[ -f $D/backup_label ] && echo label; [ -f $D/standby.signal ] && echo signal; " +
            "[ -f $D/postmaster.pid ] && echo running; " +
            "pgrep -x pg_basebackup >/dev/null && echo basebackup; " + "[ -f " + kMarker +
            " ] && echo marker; true");
    std::string words = state.out;
    for (auto& c : words)
        if (c == '\n') c = ' ';
    return words;
}

void expect_rerun_converges(const std::string& inventory) {
    auto again = run_pgrepl({"setup", inventory});
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    std::istringstream lines(again.out + again.err);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("pg_basebackup") != std::string::npos ||
            line.find("re-clone") != std::string::npos)
            std::cout << "re-run: " << line << "\n";
    }
    const std::string streaming = "db2|streaming\ndb3|streaming";
    EXPECT_EQ(
        wait_for_sql("db1", "SELECT application_name, state FROM pg_stat_replication ORDER BY 1",
                     streaming),
        streaming);
    auto verify = run_pgrepl({"verify", inventory});
    EXPECT_EQ(verify.exit_code, 0) << verify.describe();
    auto third = run_pgrepl({"setup", inventory});
    EXPECT_EQ(third.exit_code, 0) << third.describe();
    EXPECT_EQ(recap_changed(third.out).size(), 3u) << third.out;
    for (const auto& [host, changed] : recap_changed(third.out))
        EXPECT_EQ(changed, 0) << host << "\n" << third.out;
    for (const char* host : {"db2", "db3"})
        EXPECT_EQ(data_dir_state(host).find("marker"), std::string::npos) << host;
}

void primary_with_data(const std::string& inventory) {
    auto primary = run_pgrepl({"setup", inventory, "--limit", "db1"});
    ASSERT_EQ(primary.exit_code, 0) << primary.describe();
    auto filled = host_sql("db1",
                           "CREATE TABLE e2e_filler AS SELECT g, repeat('x', 400) AS pad FROM "
                           "generate_series(1, 500000) g; CHECKPOINT;");
    ASSERT_TRUE(filled.ok) << filled.err;
}

bool wait_on_host(const std::string& host, const std::string& condition) {
    auto polled = lab_shell(host, "i=0; until " + condition +
                                      "; do sleep 0.02; i=$((i+1)); [ $i -lt 3000 ] || exit 1; "
                                      "done");
    return polled.exit_code == 0;
}

std::unique_ptr<BackgroundProcess> setup_until(const std::string& inventory,
                                               const std::string& line) {
    auto run = start_pgrepl({"-v", "setup", inventory});
    if (run->wait_for_output(line, 120s)) return run;
    ADD_FAILURE() << "pgrepl never logged '" << line << "': " << run->wait().describe();
    return nullptr;
}

void kill_pgrepl(BackgroundProcess& run) {
    run.send(SIGKILL);
    auto result = run.wait();
    EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.describe();
}

}  // namespace pgrepl::e2e
