#include "pgrepl/pg/settings.hpp"

#include <limits>
#include <stdexcept>

#include "pgrepl/pg/archive.hpp"
#include "pgrepl/pg/quote.hpp"

namespace pgrepl {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool is_name_part(std::string_view part) {
    if (part.empty()) return false;
    for (std::size_t i = 0; i < part.size(); ++i) {
        const char c = part[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) return false;
    }
    return true;
}

/// Sets `name` to `value`: replaces an existing entry in place or appends a new one.
void put(std::vector<ManagedSetting>& settings, ManagedSetting setting) {
    for (ManagedSetting& existing : settings) {
        if (existing.name == setting.name) {
            if (existing.origin == SettingOrigin::Managed) setting.origin = SettingOrigin::Override;
            if (existing.origin == SettingOrigin::Override)
                setting.origin = SettingOrigin::Override;
            existing = std::move(setting);
            return;
        }
    }
    settings.push_back(std::move(setting));
}

}  // namespace

std::optional<std::uint64_t> parse_size_bytes(std::string_view text, std::uint64_t default_unit) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 19) return std::nullopt;
    std::uint64_t number = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        number = number * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    const std::string_view unit = text.substr(digits);
    std::uint64_t multiplier = 0;
    if (unit.empty()) {
        multiplier = default_unit;
    } else if (unit == "kB") {
        multiplier = 1024ull;
    } else if (unit == "MB") {
        multiplier = 1024ull * 1024;
    } else if (unit == "GB") {
        multiplier = 1024ull * 1024 * 1024;
    } else if (unit == "TB") {
        multiplier = 1024ull * 1024 * 1024 * 1024;
    } else {
        return std::nullopt;
    }
    if (multiplier != 0 && number > std::numeric_limits<std::uint64_t>::max() / multiplier) {
        return std::nullopt;
    }
    return number * multiplier;
}

bool is_valid_setting_name(std::string_view name) {
    const std::size_t dot = name.find('.');
    if (dot == std::string_view::npos) return is_name_part(name);
    return is_name_part(name.substr(0, dot)) && is_name_part(name.substr(dot + 1));
}

std::vector<ManagedSetting> managed_settings(const NodeSettingsInput& input) {
    const int version = input.version.number();
    const std::optional<std::uint64_t> wal_keep_bytes = parse_size_bytes(input.wal_keep);
    if (!wal_keep_bytes) {
        throw std::invalid_argument("managed_settings: invalid wal_keep size: " + input.wal_keep);
    }
    if (input.archive_mode && input.archive_command.empty()) {
        throw std::invalid_argument("managed_settings: archive_mode without archive_command");
    }

    std::vector<ManagedSetting> settings;
    settings.push_back({"listen_addresses", conf_quote(input.listen_addresses)});
    settings.push_back({"wal_level", "replica"});
    settings.push_back({"max_wal_senders", std::to_string(input.max_wal_senders)});
    settings.push_back({"max_replication_slots", std::to_string(input.max_replication_slots)});
    if (version >= 1300) {
        settings.push_back({"wal_keep_size", input.wal_keep});
        // A slot of a dead replica would otherwise keep WAL until the disk is full; past this
        // the slot is lost and the replica needs the archive or a re-clone (verify says so).
        settings.push_back({"max_slot_wal_keep_size", input.max_slot_wal_keep});
    } else {
        const std::uint64_t segments = (*wal_keep_bytes + kWalSegmentBytes - 1) / kWalSegmentBytes;
        settings.push_back({"wal_keep_segments", std::to_string(segments)});
    }
    settings.push_back({"hot_standby", "on"});
    // pg_rewind needs hint-bit changes WAL-logged (or data checksums): a former primary can
    // then rejoin without a re-clone. Costs some WAL after checkpoints; needs a restart.
    settings.push_back({"wal_log_hints", "on"});
    // A receiver asks a silent sender for a reply after 5 s (PostgreSQL: 30 s), so it hears
    // from a live one at least that often: promote can tell a primary that lost power from a
    // live one quickly (docs/promote.md). wal_sender_timeout keeps PostgreSQL's 60 s: a
    // shorter one would also cut pg_basebackup's WAL stream during a slow clone.
    settings.push_back({"wal_receiver_timeout", "10s"});
    settings.push_back({"wal_receiver_status_interval", "2s"});
    if (input.archive_mode) {
        settings.push_back({"archive_mode", "on"});
        settings.push_back({"archive_command", conf_quote(input.archive_command)});
        settings.push_back({"archive_timeout", std::to_string(input.archive_timeout)});
    }

    for (const auto& [raw_name, raw_value] : input.extra) {
        if (!is_valid_setting_name(raw_name)) {
            throw std::invalid_argument("managed_settings: invalid setting name: " + raw_name);
        }
        put(settings, {lower(raw_name), conf_quote(raw_value), SettingOrigin::Inventory});
    }
    return settings;
}

std::string render_managed_conf(const std::vector<ManagedSetting>& settings,
                                std::string_view header_comment) {
    std::string out = "# Managed by pgrepl: edits are overwritten.\n";
    std::size_t start = 0;
    while (start < header_comment.size()) {
        std::size_t end = header_comment.find('\n', start);
        if (end == std::string_view::npos) end = header_comment.size();
        std::string_view line = header_comment.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out += line.empty() ? "#" : "# ";
        out += line;
        out += '\n';
        start = end + 1;
    }
    for (const ManagedSetting& setting : settings) {
        out += setting.name;
        out += " = ";
        out += setting.value;
        if (setting.origin == SettingOrigin::Inventory) {
            out += "  # inventory setting";
        } else if (setting.origin == SettingOrigin::Override) {
            out += "  # inventory setting (replaces the pgrepl default)";
        }
        out += '\n';
    }
    return out;
}

std::vector<ManagedSetting> desired_settings(const Inventory& inventory, const Host& host) {
    NodeSettingsInput input;
    input.version = host.postgres.version;
    input.extra = host.postgres.settings;
    input.max_wal_senders = inventory.default_max_wal_senders();
    // On replicas too: a promoted replica archives from its first segment on.
    const auto& archive = inventory.replication.archive;
    if (archive.method != ArchiveMethod::None) {
        input.archive_mode = true;
        input.archive_command = archive_commands(inventory, host).archive_command;
        input.archive_timeout = archive.timeout;
    }
    return managed_settings(input);
}

}  // namespace pgrepl
