// Invalid inventories (the document, keys, types, hosts): each case lists every expected
// diagnostic (line, column, message).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inventory_test_util.hpp"
#include "pgrepl/inventory/load.hpp"

namespace pgrepl {
namespace {

using inventory_test::all_messages;
using inventory_test::BadCase;
using inventory_test::InventoryBad;
using inventory_test::kHosts;

std::vector<BadCase> document_cases() {
    return {
        // --- the document itself
        {"SyntaxError",
         "hosts: [1, 2\nssh: {}\n",
         {{2, 4, "yaml syntax error: end of sequence flow not found"}}},
        {"EmptyFile",
         "# nothing but a comment\n",
         {{1, 1, "the inventory is empty (it needs at least 'hosts')"}}},
        {"TopLevelList",
         "- db1\n- db2\n",
         {{1, 1,
           "the inventory must be a map (cluster, postgres, replication, ssh, access, hosts, "
           "patroni), "
           "not a list"}}},
        {"SeveralDocuments",
         kHosts + "---\n" + kHosts,
         {{2, 1, "the file holds 2 YAML documents; an inventory is one document"}}},
        {"StrayComma", ", hosts: []\n", {{1, 1, "yaml syntax error: unexpected ','"}}},
        {"StrayCommaAfterDocument",
         kHosts + "...\n,\n",
         {{3, 1, "yaml syntax error: unexpected ','"}}},
        // Found by fuzz/inventory_fuzz: yaml-cpp reads NUL and control bytes and bytes that
        // are not UTF-8 without complaint, then reports positions outside the file.
        {"NulByte",
         std::string("cluster: app\n# E\0\0x\n", 20) + kHosts,
         {{2, 4,
           "not a YAML text: control character \\x00 (an inventory is UTF-8 text without "
           "control characters)"}}},
        {"ControlCharacterAfterMultibyte",
         "cluster: app # caf\xc3\xa9 \x1b[31m\n" + kHosts,
         {{1, 22,
           "not a YAML text: control character \\x1b (an inventory is UTF-8 text without "
           "control characters)"}}},
        {"NotUtf8",
         "cluster: caf\xe9\n" + kHosts,
         {{1, 13,
           "not a YAML text: byte \\xe9 is not UTF-8 (an inventory is UTF-8 text without "
           "control characters)"}}},
        {"EscapedControlCharacterInAValue",
         "cluster: \"a\\x1bb\"\n" + kHosts,
         {{1, 10, "cluster contains a control character"}}},
        {"MissingHosts", "cluster: app\n", {{1, 1, "missing key 'hosts' at top level"}}},
        {"HostsEmpty", "hosts: []\n", {{1, 1, "hosts is empty (one primary is required)"}}},
        {"HostsNotAList", "hosts: db1\n", {{1, 8, "hosts must be a list, not a scalar"}}},
        {"InvalidClusterLabel",
         "cluster: my app\n" + kHosts,
         {{1, 10,
           "cluster 'my app' is not a valid label (letters, digits, '_', '.' and '-', starting "
           "with a letter or digit; at most 63 characters)"}}},
        // --- keys
        {"UnknownTopLevelKey",
         "clustr: app\n" + kHosts,
         {{1, 1, "unknown key 'clustr' at top level (did you mean 'cluster'?)"}}},
        {"UnknownKeyNoSuggestion",
         "ssh: { colour: blue }\n" + kHosts,
         {{1, 8, "unknown key 'colour' in ssh"}}},
        {"UnknownHostKey",
         "hosts:\n"
         "  - name: db1\n"
         "    address: 10.0.0.1\n"
         "    role: primary\n"
         "  - name: db2\n"
         "    adress: 10.0.0.2\n"
         "    role: replica\n",
         {{5, 5, "missing key 'address' in host 'db2'"},
          {6, 5, "unknown key 'adress' in host 'db2' (did you mean 'address'?)"}}},
        {"UnknownKeyInHostSsh",
         "hosts:\n"
         "  - name: db1\n"
         "    address: 10.0.0.1\n"
         "    role: primary\n"
         "    ssh: { prot: 2222 }\n",
         {{5, 12, "unknown key 'prot' in host 'db1' ssh (did you mean 'port'?)"}}},
        {"DuplicateKey",
         "ssh:\n  port: 22\n  port: 23\n" + kHosts,
         {{3, 3, "duplicate key 'port' in ssh (first at line 2)"}}},
        {"NullValue", "ssh:\n  port:\n" + kHosts, {{2, 3, "ssh.port has no value"}}},
        {"SectionNotAMap", "ssh: [root]\n" + kHosts, {{1, 6, "ssh must be a map, not a list"}}},
        // --- types and ranges
        {"PortNotAnInteger",
         "ssh: { port: abc }\n" + kHosts,
         {{1, 14, "ssh.port must be an integer (1 to 65535), not 'abc'"}}},
        {"PortOutOfRange",
         "postgres:\n  port: 70000\n" + kHosts,
         {{2, 9, "postgres.port 70000 is out of range (1 to 65535)"}}},
        {"MapWhereScalarExpected",
         "ssh: { user: { name: root } }\n" + kHosts,
         {{1, 14, "ssh.user must be a single value, not a map"}}},
        {"SlotsNotBoolean",
         "replication: { slots: yes }\n" + kHosts,
         {{1, 23, "replication.slots must be true or false, not 'yes'"}}},
        {"VersionTooOld",
         "cluster: app\npostgres:\n  version: 9.4\n" + kHosts,
         {{3, 12, "postgres.version 9.4 is not supported (supported: 9.6, 10 to 17)"}}},
        {"VersionTooNew",
         "postgres: { version: 18 }\n" + kHosts,
         {{1, 22, "postgres.version 18 is not supported (supported: 9.6, 10 to 17)"}}},
        {"VersionNotAVersion",
         "postgres: { version: fifteen }\n" + kHosts,
         {{1, 22,
           "postgres.version 'fifteen' is not a PostgreSQL major version (supported: 9.6, 10 to "
           "17)"}}},
        {"ConnectTimeoutZero",
         "ssh: { connect_timeout: 0 }\n" + kHosts,
         {{1, 25, "ssh.connect_timeout 0 is out of range (1 to 600)"}}},
        // --- hosts
        {"MissingRole",
         "hosts:\n  - name: db1\n    address: 10.0.0.1\n",
         {{2, 5, "missing key 'role' in host 'db1'"}}},
        {"HostNotAMap",
         "hosts:\n  - db1\n",
         {{2, 5, "host #1 must be a map with name, address and role, not a scalar"}}},
        {"InvalidRole",
         "hosts: [{name: db1, address: 10.0.0.1, role: master}]\n",
         {{1, 46, "host 'db1' role 'master' is not valid (expected primary or replica)"}}},
        {"NoPrimary",
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: replica }\n"
         "  - { name: db2, address: 10.0.0.2, role: replica }\n",
         {{1, 1, "no host has role primary (exactly one is required)"}}},
        {"TwoPrimaries",
         "hosts:\n"
         "  - name: db1\n"
         "    address: 10.0.0.1\n"
         "    role: primary\n"
         "  - name: db2\n"
         "    address: 10.0.0.2\n"
         "    role: primary\n",
         {{7, 11,
           "host 'db2' is also a primary (first is 'db1' at line 4); exactly one host must have "
           "role primary"}}},
        {"DuplicateName",
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary }\n"
         "  - { name: db2, address: 10.0.0.2, role: replica }\n"
         "  - { name: db2, address: 10.0.0.3, role: replica }\n",
         {{4, 13, "two hosts are named 'db2' (first at line 3)"}}},
        {"DuplicateAddress",
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary }\n"
         "  - { name: db2, address: 10.0.0.1, role: replica }\n",
         {{3, 27, "two hosts have address '10.0.0.1' (first at line 2)"}}},
        {"DuplicateAddressIpv6",
         "hosts:\n"
         "  - { name: db1, address: 'fd00::1', role: primary }\n"
         "  - { name: db2, address: 'FD00:0::1', role: replica }\n",
         {{3, 27, "two hosts have address 'FD00:0::1' (first at line 2)"}}},
        {"DuplicateAddressAndSshPort",
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary }\n"
         "  - { name: db2, address: 10.0.0.1, role: replica, postgres: { port: 5433 } }\n",
         {{3, 27, "two hosts have address '10.0.0.1' and ssh port 22 (first at line 2)"}}},
        {"HostNameUpperCase",
         "hosts: [{name: DB1, address: 10.0.0.1, role: primary}]\n",
         {{1, 16,
           "host name 'DB1' is not valid (lower-case letters, digits, '_' and '-', starting with "
           "a letter or digit; at most 63 characters)"}}},
        {"HostNameTooLong",
         "hosts: [{name: " + std::string(64, 'a') + ", address: 10.0.0.1, role: primary}]\n",
         {{1, 16,
           "host name '" + std::string(60, 'a') +
               "...' is not valid (lower-case letters, digits, '_' and '-', starting with a letter "
               "or digit; at most 63 characters)"}}},
        {"AddressShellMetacharacter",
         "hosts: [{name: db1, address: 'db1;reboot', role: primary}]\n",
         {{1, 30,
           "host 'db1' address 'db1;reboot' is not an IP address or a host name (RFC 1123: "
           "letters, digits, '-' and '.')"}}},
        {"AddressBadIpv4",
         "hosts: [{name: db1, address: 10.0.0.300, role: primary}]\n",
         {{1, 30, "host 'db1' address '10.0.0.300' is not a valid IPv4 address"}}},
        {"AddressWithPort",
         "hosts: [{name: db1, address: 'db1:22', role: primary}]\n",
         {{1, 30,
           "host 'db1' address 'db1:22' is not valid: give the port as ssh.port or "
           "postgres.port, not in the address"}}},
        {"AddressNul",
         "hosts: [{name: db1, address: \"db1\\0\", role: primary}]\n",
         {{1, 30, "host 'db1' address contains a NUL byte"}}},
        {"UpstreamUnknown",
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary }\n"
         "  - { name: db2, address: 10.0.0.2, role: replica, upstream: db3 }\n",
         {{3, 62,
           "host 'db2' upstream 'db3' is not a host of this inventory (did you mean 'db1'?)"}}},
        {"UpstreamItself",
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary }\n"
         "  - { name: db2, address: 10.0.0.2, role: replica, upstream: db2 }\n",
         {{3, 62, "host 'db2' upstream is the host itself"}}},
        {"UpstreamOnPrimary",
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary, upstream: db2 }\n"
         "  - { name: db2, address: 10.0.0.2, role: replica }\n",
         {{2, 62, "host 'db1' is the primary and cannot have an upstream"}}},
        {"UpstreamCycle",
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary }\n"
         "  - { name: db2, address: 10.0.0.2, role: replica, upstream: db3 }\n"
         "  - { name: db3, address: 10.0.0.3, role: replica, upstream: db2 }\n",
         {{3, 62, "host 'db2' upstream forms a cycle: db2 -> db3 -> db2"}}},
        {"VersionDiffersFromPrimary",
         "postgres: { version: 15 }\n"
         "hosts:\n"
         "  - { name: db1, address: 10.0.0.1, role: primary }\n"
         "  - { name: db2, address: 10.0.0.2, role: replica, postgres: { version: 16 } }\n",
         {{4, 73,
           "host 'db2' postgres.version 16 differs from the primary's (15); streaming "
           "replication needs the same major version"}}},
        {"HostPortOverrideOutOfRange",
         "hosts:\n"
         "  - name: db1\n"
         "    address: 10.0.0.1\n"
         "    role: primary\n"
         "    postgres:\n"
         "      port: 0\n",
         {{6, 13, "host 'db1' postgres.port 0 is out of range (1 to 65535)"}}},
    };
}

}  // namespace

namespace inventory_test {

TEST_P(InventoryBad, ReportsExactDiagnostics) {
    const BadCase& c = GetParam();
    const InventoryLoad load = parse_inventory(c.yaml, "inventory.yaml");
    ASSERT_FALSE(load.ok());
    ASSERT_EQ(load.diagnostics.size(), c.expected.size()) << all_messages(load);
    for (std::size_t i = 0; i < c.expected.size(); ++i) {
        const InventoryDiagnostic& d = load.diagnostics[i];
        EXPECT_EQ(d.message, c.expected[i].message) << all_messages(load);
        EXPECT_EQ(d.mark.line, c.expected[i].line) << d.to_string();
        EXPECT_EQ(d.mark.column, c.expected[i].column) << d.to_string();
        EXPECT_EQ(d.file, "inventory.yaml");
    }
}

}  // namespace inventory_test

namespace {

INSTANTIATE_TEST_SUITE_P(InventoryDocument, InventoryBad, ::testing::ValuesIn(document_cases()),
                         inventory_test::bad_case_name);

TEST(InventoryErrors, AllProblemsReportedAtOnceInFileOrder) {
    const std::string yaml =
        "clustr: app\n"            // 1
        "postgres:\n"              // 2
        "  version: 9.4\n"         // 3
        "  port: 0\n"              // 4
        "ssh:\n"                   // 5
        "  become: sometimes\n"    // 6
        "hosts:\n"                 // 7
        "  - name: db1\n"          // 8
        "    address: 'a b'\n"     // 9
        "    role: primary\n"      // 10
        "  - name: db1\n"          // 11
        "    address: 10.0.0.2\n"  // 12
        "    role: primary\n";     // 13
    const InventoryLoad load = parse_inventory(yaml, "inventory.yaml");
    std::vector<std::string> lines;
    for (const InventoryDiagnostic& d : load.diagnostics) lines.push_back(d.to_string());
    const std::vector<std::string> expected{
        "inventory.yaml:1:1: unknown key 'clustr' at top level (did you mean 'cluster'?)",
        "inventory.yaml:3:12: postgres.version 9.4 is not supported (supported: 9.6, 10 to 17)",
        "inventory.yaml:4:9: postgres.port 0 is out of range (1 to 65535)",
        "inventory.yaml:6:11: ssh.become 'sometimes' is not valid (expected auto or never)",
        "inventory.yaml:9:14: host 'db1' address 'a b' is not an IP address or a host name "
        "(RFC 1123: letters, digits, '-' and '.')",
        "inventory.yaml:11:11: two hosts are named 'db1' (first at line 8)",
        "inventory.yaml:13:11: host 'db1' is also a primary (first is 'db1' at line 10); exactly "
        "one host must have role primary",
    };
    EXPECT_EQ(lines, expected);
}

}  // namespace
}  // namespace pgrepl
