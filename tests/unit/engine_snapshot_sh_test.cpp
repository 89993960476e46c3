// The snapshot script's parts run for real by /bin/sh against stand-ins for psql: what the
// builtins read from the answers, and how a session that did not start is reported.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "pgrepl/engine/facts.hpp"
#include "pgrepl/engine/snapshot.hpp"

namespace pgrepl::test {
namespace {

constexpr const char* kFacts = "user=root\nrunning=yes\n@@end-facts\n";

// Runs `script` with /bin/sh and returns its standard output.
std::string run_sh(const std::string& script) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("pgrepl-login-test-" + std::to_string(getpid()) + ".sh");
    std::ofstream(path) << script;
    std::string out;
    if (FILE* pipe = popen(("sh " + path.string()).c_str(), "r")) {
        char buffer[4096];
        for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
        pclose(pipe);
    }
    std::filesystem::remove(path);
    return out;
}

// The login part of the script, run for real by sh against a stand-in psql: the first line of
// IDENTIFY_SYSTEM's answer and its timeline are read with builtins, the history follows.
TEST(SnapshotSh, TheLoginPartReadsIdentifySystemWithBuiltins) {
    const auto bin =
        std::filesystem::temp_directory_path() / ("pgrepl-login-bin-" + std::to_string(getpid()));
    std::filesystem::create_directories(bin);
    std::ofstream(bin / "psql")
        << "#!/bin/sh\n"
           "case \"$*\" in\n"
           "*IDENTIFY_SYSTEM*) printf '7000|3|0/7000148|\\nsecond\\n' ;;\n"
           "*'TIMELINE_HISTORY 3'*) printf '00000003.history|1\\t0/5\\tx\\n' ;;\n"
           "*) exit 2 ;;\nesac\n";
    std::filesystem::permissions(bin / "psql", std::filesystem::perms::owner_all);
    Host host;
    host.name = "db3";
    SnapshotRequest request;
    request.replication_login_conninfo = "host=10.0.0.12 user=replicator replication=true";
    const auto script = snapshot_script(host, request);
    const auto login = script.find("if [ -x \"$BIN/psql\" ] && out=");
    ASSERT_NE(login, std::string::npos) << script;
    const auto out =
        run_sh("BIN=" + bin.string() + "\nas_postgres() { \"$@\"; }\n" + script.substr(login));
    std::filesystem::remove_all(bin);
    auto parsed = parse_snapshot(std::string(kFacts) + out);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << out;
    ASSERT_TRUE(parsed->replication_login) << out;
    EXPECT_TRUE(parsed->replication_login->ok) << out;
    EXPECT_EQ(parsed->replication_login->system_identifier, "7000");
    EXPECT_EQ(parsed->replication_login->timeline, "3");
    ASSERT_TRUE(parsed->replication_login->timeline_history) << out;
    EXPECT_EQ(*parsed->replication_login->timeline_history, "1\t0/5\tx\n");
    EXPECT_TRUE(parsed->complete) << out;
}

// Without the password file the logins cannot pass: they are not tried (each would cost the
// upstream a backend), and each says why it failed.
TEST(SnapshotSh, NoLoginWhileItsPasswordFileIsMissing) {
    Host host;
    host.name = "db3";
    SnapshotRequest request;
    request.replication_login_conninfo = "host=10.0.0.12 user=replicator replication=true";
    request.login_tests = {{"rewind", "host=10.0.0.12 user=r"},
                           {"rewind", "host=10.0.0.12 user=r"}};
    request.logins_need_file = "/nonexistent/pgrepl-test.pgpass";
    const auto script = snapshot_script(host, request);
    const auto logins = script.find("if [ -f '/nonexistent/pgrepl-test.pgpass' ]");
    ASSERT_NE(logins, std::string::npos) << script;
    // BIN points nowhere: a login that ran would report psql missing, not the password file.
    const auto out = run_sh("BIN=/nonexistent\n" + script.substr(logins));
    auto parsed = parse_snapshot(std::string(kFacts) + out);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << out;
    ASSERT_TRUE(parsed->replication_login) << out;
    EXPECT_FALSE(parsed->replication_login->ok);
    EXPECT_EQ(parsed->replication_login->error,
              "password file /nonexistent/pgrepl-test.pgpass does not exist yet");
    ASSERT_NE(parsed->login_test("rewind"), nullptr) << out;
    EXPECT_FALSE(parsed->login_test("rewind")->ok);
    EXPECT_EQ(parsed->login_test("rewind")->error,
              "password file /nonexistent/pgrepl-test.pgpass does not exist yet");
    EXPECT_TRUE(parsed->complete) << out;
}

// The merged session of a full snapshot, run with a stand-in pg_psql that prints `answer`.
std::string run_session(const std::string& answer) {
    Host host;
    host.name = "db3";
    SnapshotRequest request;
    request.queries = {{"slots", "SELECT 1;"}};
    const auto script = snapshot_script(host, request);
    const auto session = script.find("if [ \"$running\" = yes ]; then :\nout=");
    const auto end = script.find("echo @@end\n", session);
    if (session == std::string::npos || end == std::string::npos)
        return "no session in:\n" + script;
    return run_sh("running=yes\npg_psql() { cat >/dev/null; printf '%s' '" + answer + "'; }\n" +
                  script.substr(session, end - session));
}

TEST(SnapshotSh, ASessionThatDidNotStartIsTheServerError) {
    const auto out = run_session(
        "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" "
        "failed: FATAL:  the database system is starting up\n");
    auto parsed = parse_snapshot(std::string(kFacts) + out + "@@end\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << out;
    EXPECT_FALSE(parsed->server) << out;
    EXPECT_EQ(parsed->server_error,
              "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" "
              "failed: FATAL:  the database system is starting up");
    EXPECT_EQ(parsed->query("slots"), "");
}

TEST(SnapshotSh, ASessionThatAnsweredHasTheServerAndTheQueries) {
    const auto out = run_session(
        "@@server\nf|7000|1|0/3000148|||||1795656399.5|150004|2026|60000||||||||\n"
        "@@query slots\n1\n@@end-queries\n");
    auto parsed = parse_snapshot(std::string(kFacts) + out + "@@end\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << out;
    ASSERT_TRUE(parsed->server) << parsed->server_error << "\n" << out;
    EXPECT_EQ(parsed->server->system_identifier, "7000");
    EXPECT_EQ(parsed->server_error, "");
    EXPECT_EQ(parsed->query("slots"), "1\n");
}

// A standby whose WAL receiver streams from the upstream the logins would go to skips them;
// one streaming from elsewhere (or not streaming) tries them.
TEST(SnapshotSh, NoLoginWhileTheStandbyStreamsFromItsUpstream) {
    Host host;
    host.name = "db3";
    SnapshotRequest request;
    request.replication_login_conninfo = "host=10.0.0.12 user=replicator replication=true";
    request.login_tests = {{"rewind", "host=10.0.0.12 user=r"}};
    request.logins_unless_streaming_from = Endpoint{"10.0.0.12", 5432};
    const auto script = snapshot_script(host, request);
    const auto session = script.find("if [ \"$running\" = yes ]; then :\nout=");
    ASSERT_NE(session, std::string::npos) << script;
    const auto run = [&](const std::string& receiver) {
        // psql answers every login: a login that ran shows in the output.
        const std::string row =
            "t|7000|1||0/3000148|0/3000148||f|1795656399.5|150004|2026|60000||" + receiver +
            "|0/0|1|10|1795656399000000";
        return run_sh(
            "running=yes\nBIN=/bin\nas_postgres() { echo '7000|1|0/3000148|'; }\n"
            "pg_psql() { cat >/dev/null; printf '@@server\\n%s\\n@@end-queries\\n' '" +
            row + "'; }\n" + script.substr(session));
    };
    const auto streaming = run("streaming|10.0.0.12|5432");
    EXPECT_EQ(streaming.find("@@login"), std::string::npos) << streaming;
    EXPECT_NE(streaming.find("@@end"), std::string::npos) << streaming;
    for (const std::string other :
         {"streaming|10.0.0.13|5432", "streaming|10.0.0.12|5433", "waiting|10.0.0.12|5432", "||"}) {
        const auto out = run(other);
        EXPECT_NE(out.find("@@login ok|7000|1|"), std::string::npos) << other << "\n" << out;
        EXPECT_NE(out.find("@@login-test rewind ok"), std::string::npos) << other << "\n" << out;
    }
}

// The probe reads the package's state from dpkg's status file (its stanza, up to the blank
// line): installed also when held, not when only its configuration files are left, and never
// the state of a package whose name only starts the same.
TEST(SnapshotSh, TheProbeReadsThePackageStateFromDpkgsStatusFile) {
    const auto status =
        std::filesystem::temp_directory_path() / ("pgrepl-dpkg-status-" + std::to_string(getpid()));
    Host host;
    host.name = "db1";
    host.postgres.cluster_name = "pgrepl-no-such-cluster";
    std::string probe = host_probe_script(host);
    const std::string real = "/var/lib/dpkg/status";
    const auto at = probe.find(real);
    ASSERT_NE(at, std::string::npos) << probe;
    probe.replace(at, real.size(), status.string());
    const auto installed = [&](const std::string& stanzas) {
        std::ofstream(status) << stanzas;
        const std::string out = run_sh(probe);
        if (out.find("pg_installed=yes\n") != std::string::npos) return std::string("yes");
        if (out.find("pg_installed=no\n") != std::string::npos) return std::string("no");
        return "neither: " + out;
    };
    EXPECT_EQ(installed("Package: postgresql-15\nStatus: install ok installed\n"), "yes");
    EXPECT_EQ(installed("Package: a\nStatus: install ok installed\n\nPackage: postgresql-15\n"
                        "Priority: optional\nStatus: hold ok installed\n"),
              "yes");
    EXPECT_EQ(installed("Package: postgresql-15\nStatus: deinstall ok config-files\n\n"
                        "Package: postgresql-15-dbgsym\nStatus: install ok installed\n"),
              "no");
    EXPECT_EQ(installed("Package: postgresql-15\nStatus: install ok half-configured\n"), "no");
    EXPECT_EQ(installed("Package: postgresql-15\n\nPackage: x\nStatus: install ok installed\n"),
              "no");
    EXPECT_EQ(installed(""), "no");
    std::filesystem::remove(status);
}

}  // namespace
}  // namespace pgrepl::test
