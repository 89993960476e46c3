#include "pgrepl/pg/standby.hpp"

#include "pgrepl/pg/quote.hpp"

namespace pgrepl {
namespace {

void add_param(std::string& out, const char* key, std::string_view value) {
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    out += conninfo_value(value);
}

std::string passfile_field(std::string_view value) {
    if (value == "*") return "*";
    return pgpass_escape(value);
}

}  // namespace

std::string primary_conninfo(const StandbyInput& input) {
    std::string out;
    add_param(out, "host", input.upstream_host);
    add_param(out, "port", std::to_string(input.upstream_port));
    add_param(out, "user", input.user);
    add_param(out, "application_name", input.application_name);
    if (input.version.number() >= 1000 && !input.passfile.empty()) {
        add_param(out, "passfile", input.passfile);
    }
    add_param(out, "sslmode", "prefer");
    return out;
}

StandbyFiles render_standby(const StandbyInput& input) {
    StandbyFiles files;
    const std::string conninfo = conf_quote(primary_conninfo(input));
    if (input.version.number() < 1200) {
        std::string conf = "# Managed by pgrepl: edits are overwritten.\n";
        conf += "standby_mode = 'on'\n";
        conf += "primary_conninfo = " + conninfo + "\n";
        if (input.slot_name) conf += "primary_slot_name = " + conf_quote(*input.slot_name) + "\n";
        if (!input.trigger_file.empty()) {
            conf += "trigger_file = " + conf_quote(input.trigger_file) + "\n";
        }
        if (!input.restore_command.empty()) {
            conf += "restore_command = " + conf_quote(input.restore_command) + "\n";
        }
        if (!input.archive_cleanup_command.empty()) {
            conf += "archive_cleanup_command = " + conf_quote(input.archive_cleanup_command) + "\n";
        }
        conf += "recovery_target_timeline = 'latest'\n";
        files.recovery_conf = std::move(conf);
        return files;
    }
    files.standby_signal = true;
    files.settings.push_back({"primary_conninfo", conninfo});
    if (input.slot_name) {
        files.settings.push_back({"primary_slot_name", conf_quote(*input.slot_name)});
    }
    if (!input.restore_command.empty()) {
        files.settings.push_back({"restore_command", conf_quote(input.restore_command)});
    }
    if (!input.archive_cleanup_command.empty()) {
        files.settings.push_back(
            {"archive_cleanup_command", conf_quote(input.archive_cleanup_command)});
    }
    files.settings.push_back({"recovery_target_timeline", "'latest'"});
    return files;
}

std::string render_passfile(const std::vector<PassfileEntry>& entries) {
    std::string out = "# Managed by pgrepl: edits are overwritten.\n";
    for (const PassfileEntry& entry : entries) {
        out += passfile_field(entry.host) + ':' + std::to_string(entry.port) + ':' +
               passfile_field(entry.database) + ':' + passfile_field(entry.user) + ':' +
               pgpass_escape(entry.password) + '\n';
    }
    return out;
}

}  // namespace pgrepl
