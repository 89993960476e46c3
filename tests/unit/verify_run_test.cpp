// run_verify end to end against scripted hosts: round trips, what runs where, exit codes.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "pgrepl/util/json.hpp"
#include "pgrepl/verify/verify.hpp"
#include "support/borrowed_executor.hpp"
#include "support/fake_executor.hpp"
#include "verify_fixtures.hpp"

namespace pgrepl {
namespace {

using test::settings_output;

/// Forwards to a FakeExecutor the test keeps (verify destroys its executors).
using Borrowed = test::BorrowedExecutor;

std::string primary_output(const Inventory& inventory) {
    return "@@end-facts\n@@ps\n"
           "   50 /usr/lib/postgresql/15/bin/postgres -D /d -c "
           "config_file=/etc/postgresql/15/main/postgresql.conf\n"
           "  101 postgres: 15/main: walsender replicator 10.0.0.12(4000) streaming 0/5000000\n"
           "  102 postgres: 15/main: walsender replicator 10.0.0.13(4001) streaming 0/5000000\n"
           "@@log\n@@noline\n@@server\n" +
           test::server_row("f|" + std::string(test::kSystemId) +
                            "|0/5000000|||||1700000000.0|150004") +
           "@@query replication\n"
           "101|db2|10.0.0.12|streaming|0/5000000|0/5000000|0/5000000|0/5000000|async|0|||\n"
           "102|db3|10.0.0.13|streaming|0/5000000|0/5000000|0/5000000|0/5000000|async|0|||\n"
           "@@query receiver\n@@query "
           "slots\ndb2|physical|t|0/5000000||\ndb3|physical|t|0/5000000||\n"
           "@@query file_settings\n@@query settings\n" +
           settings_output(inventory, inventory.hosts[0]) + "@@end-queries\n@@psql-exit 0\n@@end\n";
}

std::string standby_output(const Inventory& inventory, const std::string& name) {
    return "@@end-facts\n@@ps\n"
           "   60 /usr/lib/postgresql/15/bin/postgres -D /d -c "
           "config_file=/etc/postgresql/15/main/postgresql.conf\n"
           "   70 postgres: 15/main: walreceiver streaming 0/5000000\n"
           "@@log\n|LOG:  started streaming WAL\n@@noline\n@@server\n" +
           test::server_row("t|" + std::string(test::kSystemId) +
                            "||0/5000000|0/5000000|1.0|f|1700000000.0|150004") +
           "@@query replication\n@@query receiver\n"
           "streaming|10.0.0.11|5432|0/5000000|" +
           name +
           "|host=10.0.0.11\n"
           "@@query slots\n@@query file_settings\n@@query settings\n" +
           settings_output(inventory, *inventory.find_host(name)) +
           "@@end-queries\n@@psql-exit 0\n@@end\n";
}

struct Lab {
    Inventory inventory = test::verify_inventory();
    std::map<std::string, std::unique_ptr<FakeExecutor>> fakes;
    std::set<std::string> down;

    explicit Lab(std::set<std::string> unreachable = {}) : down(std::move(unreachable)) {
        for (const auto& host : inventory.hosts) {
            fakes[host.name] = std::make_unique<FakeExecutor>(host.name);
        }
        fakes["db1"]->expect_run("echo @@ps", command_ok(primary_output(inventory)));
        fakes["db1"]
            ->expect_run("pg_logical_emit_message", command_ok("1700000000.0\n0/5000100\n"))
            .as(RunAs::Postgres);
        for (const char* name : {"db2", "db3"}) {
            if (down.count(name) != 0) continue;
            fakes[name]->expect_run("echo @@ps", command_ok(standby_output(inventory, name)));
        }
    }

    void expect_replay(const std::string& name, const std::string& out) {
        fakes[name]->expect_run("'0/5000100'::pg_lsn", command_ok(out)).as(RunAs::Postgres);
    }

    ExecutorFactory factory() {
        return [this](const Host& host) -> Result<std::unique_ptr<Executor>> {
            if (down.count(host.name) != 0) {
                return make_host_error(ErrorKind::Connect, host.name, "connect", "timed out",
                                       "check that the host is up");
            }
            return std::unique_ptr<Executor>(std::make_unique<Borrowed>(*fakes[host.name]));
        };
    }
};

TEST(VerifyRun, HealthyInThreeRoundTripsAndNoWriteOnAStandby) {
    Lab lab;
    lab.expect_replay("db2", "1700000000.004|f\n1700000000.005|t|0/5000100\n");
    lab.expect_replay("db3", "1700000000.006|t\n1700000000.006|t|0/5000100\n");
    std::ostringstream out;
    const ExitCode code =
        static_cast<ExitCode>(run_verify(lab.inventory, VerifyOptions{}, lab.factory(), out));
    EXPECT_EQ(code, ExitCode::Ok) << out.str();
    EXPECT_NE(out.str().find("db2   standby  db1       streaming  0 B  0.0 s     5 ms"),
              std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find("<=6 ms"), std::string::npos) << out.str();
    EXPECT_EQ(lab.fakes["db1"]->calls().size(), 2u) << "gather, emit";
    for (const char* name : {"db2", "db3"}) {
        const auto& calls = lab.fakes[name]->calls();
        EXPECT_EQ(calls.size(), 2u) << name << ": gather, wait";
        EXPECT_EQ(lab.fakes[name]->mutating_calls(), 0) << name;
        for (const auto& call : calls) {
            EXPECT_EQ(call.command.script.find("emit"), std::string::npos) << name;
            EXPECT_EQ(call.command.run_as, RunAs::Postgres);
        }
    }
    EXPECT_EQ(lab.fakes["db1"]->mutating_calls(), 0) << "a WAL message changes no data";
}

TEST(VerifyRun, UnreachableReplicaIsUnhealthy) {
    Lab lab({"db3"});
    lab.expect_replay("db2", "1700000000.004|f\n1700000000.005|t|0/5000100\n");
    std::ostringstream out;
    const ExitCode code =
        static_cast<ExitCode>(run_verify(lab.inventory, VerifyOptions{}, lab.factory(), out));
    EXPECT_EQ(code, ExitCode::Failed);
    EXPECT_NE(out.str().find("db3: unreachable: connect: timed out\n  hint: check that the host "
                             "is up"),
              std::string::npos)
        << out.str();
}

TEST(VerifyRun, JsonDocument) {
    Lab lab;
    lab.expect_replay("db2", "1700000000.004|f\n1700000000.005|t|0/5000100\n");
    lab.expect_replay("db3", "1700000000.004|f\n1700000010.0|f|0/5000000\n");
    VerifyOptions options;
    options.format = VerifyFormat::Json;
    std::ostringstream out;
    const ExitCode code =
        static_cast<ExitCode>(run_verify(lab.inventory, options, lab.factory(), out));
    EXPECT_EQ(code, ExitCode::Failed);
    Json json = Json::parse(out.str(), nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << out.str();
    EXPECT_EQ(json["healthy"], false);
    auto& db3 = json["hosts"][2];
    EXPECT_EQ(db3["probe"]["status"], "timeout");
    EXPECT_EQ(db3["state"], "stalled");
}

}  // namespace
}  // namespace pgrepl
