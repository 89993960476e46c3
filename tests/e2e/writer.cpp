#include "writer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "lab.hpp"
#include "promote_support.hpp"

namespace pgrepl::e2e {

using namespace std::chrono_literals;

std::set<int> ids_on(const std::string& host) {
    std::set<int> ids;
    std::istringstream in(psql(host, "SELECT id FROM pgrepl_e2e_writes").out);
    for (int id = 0; in >> id;) ids.insert(id);
    return ids;
}

void wait_replayed(const std::string& host) {
    for (int i = 0; i < 100; ++i) {
        if (query(host, "SELECT pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()") == "t")
            return;
        std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << host << " does not finish replaying";
}

std::size_t lost_on(const std::set<int>& acknowledged, const std::string& host) {
    const auto present = ids_on(host);
    return static_cast<std::size_t>(std::count_if(acknowledged.begin(), acknowledged.end(),
                                                  [&](int id) { return present.count(id) == 0; }));
}

Writer::Writer(const std::string& host, WriterTable table, int first_id, const std::string& pause,
               const std::string& name)
    : host_(host), acked_(lab_path(name)), stop_file_("/tmp/pgrepl-e2e-writer-stop-" + name) {
    if (table == WriterTable::Create) {
        EXPECT_EQ(psql(host,
                       "DROP TABLE IF EXISTS pgrepl_e2e_writes; "
                       "CREATE TABLE pgrepl_e2e_writes(id int PRIMARY KEY);")
                      .exit_code,
                  0);
    }
    write_local_file(acked_, "");
    const std::string sleep = pause == "0" ? "" : "sleep " + pause + "; ";
    const auto started = lab_shell(
        host, "rm -f " + stop_file_ + "; (i=" + std::to_string(first_id - 1) + "; while [ ! -f " +
                  stop_file_ + " ]; do i=$((i+1)); " + sleep +
                  "runuser -u postgres -- psql -X -q -c \"INSERT INTO pgrepl_e2e_writes VALUES "
                  "($i)\" >/dev/null 2>&1 && echo $i >> " +
                  acked_ + "; done) </dev/null >/dev/null 2>&1 &");
    EXPECT_EQ(started.exit_code, 0) << started.describe();
}

void Writer::stop() {
    if (stopped_) return;
    stopped_ = true;
    lab_shell(host_, "touch " + stop_file_);
    std::this_thread::sleep_for(300ms);
}

std::set<int> Writer::acknowledged() const {
    std::set<int> ids;
    std::istringstream in(read_local_file(acked_));
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos)
            ids.insert(std::stoi(line));
    }
    return ids;
}

}  // namespace pgrepl::e2e
