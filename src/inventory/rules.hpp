// Internal to the inventory parser: pure checks of single values (names, addresses, paths).
#pragma once

#include <string>
#include <string_view>

namespace pgrepl::inventory_detail {

/// Host and postgresql-common cluster names: [a-z0-9][a-z0-9_-]*, at most 63 characters.
bool is_inventory_name(std::string_view text);
/// PostgreSQL role names pgrepl creates: [a-z_][a-z0-9_]*, at most 63 characters.
bool is_role_name(std::string_view text);
/// Unix login names: [a-z_][a-z0-9_-]*, at most 32 characters.
bool is_unix_user(std::string_view text);
/// Environment variable names: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_var_name(std::string_view text);
/// postgresql.conf parameter names: [a-z_][a-z0-9_.]*, at most 63 characters.
bool is_setting_name(std::string_view text);
/// pg_hba.conf database and user fields: [A-Za-z0-9_.,+@-]+.
bool is_hba_token(std::string_view text);
/// Cluster labels: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 63 characters.
bool is_cluster_label(std::string_view text);
/// pgBackRest stanza names: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 63 characters.
bool is_stanza_name(std::string_view text);
/// A file stem made into a cluster label (bad characters become '-'; "cluster" when nothing is
/// left).
std::string cluster_label_from_stem(std::string_view stem);

/// Dotted-quad IPv4 address.
bool is_ipv4(std::string_view text);
/// IPv6 address (without brackets or zone).
bool is_ipv6(std::string_view text);

/// Why `text` is not an IP address or an RFC 1123 host name ("is not a valid IPv4 address"), or
/// empty when it is one.
std::string address_problem(std::string_view text);
/// A form of an address for equality tests: lower case, IPv6 in canonical notation.
std::string normalize_address(std::string_view text);
/// Why `text` is not a pg_hba address (CIDR, host name, .suffix, all, samehost, samenet), or empty.
std::string hba_address_problem(std::string_view text);
/// Why `text` is not an absolute path of safe characters (letters, digits, _ . - /), or empty.
std::string safe_absolute_path_problem(std::string_view text);
/// Why `text` is not a usable local file path (absolute, relative or "~/..."), or empty.
std::string local_path_problem(std::string_view text);

}  // namespace pgrepl::inventory_detail
