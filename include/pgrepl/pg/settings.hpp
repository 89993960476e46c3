// The postgresql.conf settings pgrepl manages on every node, rendered for a conf.d file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl {

/// Where a rendered setting comes from.
enum class SettingOrigin {
    Managed,    ///< a pgrepl default
    Inventory,  ///< an extra setting of the inventory
    Override,   ///< an inventory setting replacing the pgrepl default of the same name
};

/// One `name = value` line of a managed configuration file.
struct ManagedSetting {
    std::string name;   ///< parameter name, lower case
    std::string value;  ///< already rendered: numbers and on/off bare, strings conf_quote'd
    SettingOrigin origin = SettingOrigin::Managed;  ///< pgrepl default or inventory setting
};

/// The default max_slot_wal_keep_size: ten times the default wal_keep_size. A replica may be
/// down for hours of ordinary write load and keep its slot; a dead one holds back at most
/// this much WAL (override it with postgres.settings; -1 is PostgreSQL's unlimited).
inline constexpr std::string_view kDefaultMaxSlotWalKeep = "10GB";

/// Everything managed_settings() needs to know about a node.
struct NodeSettingsInput {
    PgVersion version;               ///< server major version
    int max_wal_senders = 10;        ///< max_wal_senders
    int max_replication_slots = 10;  ///< max_replication_slots
    std::string wal_keep = "1GB";  ///< WAL kept for replicas: digits with kB/MB/GB/TB or none (MB)
    /// max_slot_wal_keep_size (13+): the most WAL a slot may hold back, so that a dead replica
    /// cannot fill the primary's disk (docs/slots.md says why 10GB)
    std::string max_slot_wal_keep = std::string(kDefaultMaxSlotWalKeep);
    std::string listen_addresses = "*";  ///< listen_addresses
    bool archive_mode = false;           ///< archive_mode = on (also on replicas)
    std::string archive_command;         ///< archive_command, emitted with archive_mode
    int archive_timeout = 60;            ///< archive_timeout in seconds, emitted with archive_mode
    std::vector<std::pair<std::string, std::string>> extra;  ///< inventory settings (raw values)
};

/// Size of 16 MB, the WAL segment size of Debian's packages.
inline constexpr std::uint64_t kWalSegmentBytes = 16ull * 1024 * 1024;

/// Parses a PostgreSQL memory size: digits followed by kB, MB, GB, TB, or nothing (meaning
/// `default_unit` bytes). std::nullopt when malformed or overflowing.
std::optional<std::uint64_t> parse_size_bytes(std::string_view text,
                                              std::uint64_t default_unit = 1024ull * 1024);

/// True when `name` can be a configuration parameter name: [A-Za-z_][A-Za-z0-9_]* with at
/// most one '.' separating two such parts (custom settings like pg_stat_statements.max).
bool is_valid_setting_name(std::string_view name);

/// The settings pgrepl writes on a node, in a fixed order: listen_addresses, wal_level,
/// max_wal_senders, max_replication_slots, wal_keep_size (13+) or wal_keep_segments (before
/// 13, rounded up to whole 16 MB segments), max_slot_wal_keep_size (13+), hot_standby,
/// wal_receiver_timeout = 10s, wal_receiver_status_interval = 2s, archive_mode/archive_command/
/// archive_timeout (only when archiving), then the inventory's extra settings. An extra setting
/// named like a managed one (case-insensitively) replaces its value in place; a repeated extra
/// setting keeps its last value. Extra values are always conf_quote'd. Throws
/// std::invalid_argument on an invalid wal_keep or setting name (validation refuses them).
std::vector<ManagedSetting> managed_settings(const NodeSettingsInput& input);

/// The managed settings of `host` as the inventory asks for them: managed_settings() of its
/// version and extra settings, with archive_mode, archive_command and archive_timeout when the
/// cluster archives (on replicas too: a promoted replica archives from its first segment on).
/// What setup's settings step writes and what verify checks.
std::vector<ManagedSetting> desired_settings(const Inventory& inventory, const Host& host);

/// A whole managed configuration file: a first line `# Managed by pgrepl: edits are
/// overwritten.`, each line of `header_comment` as a `# ` comment, then one `name = value`
/// line per setting in the given order (inventory settings carry a trailing comment).
std::string render_managed_conf(const std::vector<ManagedSetting>& settings,
                                std::string_view header_comment);

}  // namespace pgrepl
