// Reader of the `replication:` part of an inventory, WAL archiving included.
#include <string_view>

#include "inventory/rules.hpp"
#include "inventory/sections.hpp"

namespace pgrepl::inventory_detail {
namespace {

/// Which archive keys each method uses.
bool archive_key_used(std::string_view key, ArchiveMethod method) {
    if (key == "method") return true;
    if (key == "timeout") return method != ArchiveMethod::None;
    if (key == "host" || key == "path") return method == ArchiveMethod::Ssh;
    if (key == "stanza") return method == ArchiveMethod::PgBackRest;
    if (key == "archive_command" || key == "restore_command") {
        return method == ArchiveMethod::Command;
    }
    return false;
}

/// A command template: must contain the given placeholders.
void read_template(const Field& field, std::string& into,
                   const std::vector<std::string_view>& placeholders, Diagnostics& diags) {
    const std::optional<std::string> text = read_text(field, diags);
    if (!text) return;
    for (std::string_view placeholder : placeholders) {
        if (text->find(placeholder) == std::string::npos) {
            diags.add(field.value,
                      field.label + " must contain " + std::string(placeholder) + " (" +
                          (placeholder == "%p" ? "the segment's path" : "its file name") + ")");
            return;
        }
    }
    into = *text;
}

/// A role name pgrepl creates and sets the password of (replication.user, rewind_user).
std::optional<std::string> read_managed_role(const Field& field, Diagnostics& diags) {
    const std::optional<std::string> text = read_text(field, diags);
    if (text && *text == "postgres") {
        diags.add(field.value, field.label +
                                   " must not be 'postgres' (pgrepl creates this role and sets "
                                   "its password)");
    } else if (text && text->starts_with("pg_")) {
        diags.add(field.value, field.label + " " + quote_value(*text) +
                                   " uses the prefix 'pg_' that PostgreSQL reserves");
    } else if (text && is_role_name(*text)) {
        return text;
    } else if (text) {
        diags.add(field.value, field.label + " " + quote_value(*text) +
                                   " is not a valid role name (lower-case letters, digits and "
                                   "'_', starting with a letter or '_'; at most 63)");
    }
    return std::nullopt;
}

void read_archive(const Field& field, ArchiveOptions& into, Diagnostics& diags,
                  std::optional<Field>& archive_host) {
    const std::optional<YAML::Node> map = read_map(field, diags);
    if (!map) return;
    const Section section(
        *map, "replication.archive.", "in replication.archive",
        {"method", "timeout", "host", "path", "stanza", "archive_command", "restore_command"},
        diags, mark_of(field.key));
    std::optional<ArchiveMethod> method = ArchiveMethod::None;
    const std::optional<Field> method_field = section.get("method");
    if (method_field) {
        method = read_enum<ArchiveMethod>(*method_field,
                                          {{"none", ArchiveMethod::None},
                                           {"ssh", ArchiveMethod::Ssh},
                                           {"wal-g", ArchiveMethod::WalG},
                                           {"pgbackrest", ArchiveMethod::PgBackRest},
                                           {"command", ArchiveMethod::Command}},
                                          diags);
    }
    if (!method) return;  // nothing else can be judged without a method
    into.method = *method;
    const std::string method_name = to_string(*method);
    for (const Field& f : section.fields()) {
        if (archive_key_used(f.key.Scalar(), *method)) continue;
        diags.add(f.key, f.label + " is not used with method " + method_name);
    }
    if (auto f = section.get("timeout"); f && archive_key_used("timeout", *method)) {
        if (auto seconds = read_int(*f, 1, 1073741823, diags)) into.timeout = *seconds;
    }
    if (*method == ArchiveMethod::Ssh) {
        if (auto f = section.get("host")) {
            archive_host = *f;  // checked with the hosts
        } else {
            report_missing(section, "host", diags, "required by method ssh");
        }
        if (auto f = section.get("path")) {
            const std::optional<std::string> text = read_text(*f, diags);
            const std::string problem = text ? safe_absolute_path_problem(*text) : std::string();
            if (text && problem.empty()) {
                into.path = *text;
            } else if (text) {
                diags.add(f->value, f->label + " " + quote_value(*text) + " " + problem);
            }
        } else {
            report_missing(section, "path", diags, "required by method ssh");
        }
    }
    if (*method == ArchiveMethod::PgBackRest) {
        if (auto f = section.get("stanza")) {
            const std::optional<std::string> text = read_text(*f, diags);
            if (text && is_stanza_name(*text)) {
                into.stanza = *text;
            } else if (text) {
                diags.add(f->value, f->label + " " + quote_value(*text) +
                                        " is not a valid stanza name (letters, digits, '_', '.' "
                                        "and '-')");
            }
        }
    }
    if (*method == ArchiveMethod::Command) {
        if (auto f = section.get("archive_command")) {
            read_template(*f, into.archive_command, {"%p"}, diags);
        } else {
            report_missing(section, "archive_command", diags, "required by method command");
        }
        if (auto f = section.get("restore_command")) {
            read_template(*f, into.restore_command, {"%f", "%p"}, diags);
        } else {
            report_missing(section, "restore_command", diags, "required by method command");
        }
    }
}

}  // namespace

void read_password_source(const Section& section, const std::string& owner,
                          std::optional<std::string>& env_into,
                          std::optional<std::string>& file_into, Diagnostics& diags) {
    const std::optional<Field> env = section.get("password_env");
    const std::optional<Field> file = section.get("password_file");
    if (env && file) {
        const SourceMark a = mark_of(env->key);
        const SourceMark b = mark_of(file->key);
        const bool env_later = a.line != b.line ? a.line > b.line : a.column > b.column;
        const Field& later = env_later ? *env : *file;
        diags.add(later.key, owner + ".password_env and " + owner +
                                 ".password_file are both set (give exactly one)");
    } else if (env) {
        const std::optional<std::string> text = read_text(*env, diags);
        if (text && is_env_var_name(*text)) {
            env_into = *text;
        } else if (text) {
            diags.add(env->value, env->label + " " + quote_value(*text) +
                                      " is not a valid environment variable name (letters, "
                                      "digits and '_', not starting with a digit)");
        }
    } else if (file) {
        const std::optional<std::string> text = read_text(*file, diags);
        const std::string problem = text ? local_path_problem(*text) : std::string();
        if (text && problem.empty()) {
            file_into = *text;
        } else if (text) {
            diags.add(file->value, file->label + " " + quote_value(*text) + " " + problem);
        }
    }
}

void read_replication(const Field& field, ReplicationOptions& into, Diagnostics& diags,
                      std::optional<Field>& archive_host) {
    const std::optional<YAML::Node> map = read_map(field, diags);
    if (!map) return;
    const Section section(*map, "replication.", "in replication",
                          {"user", "rewind_user", "password_env", "password_file", "slots",
                           "parallel_clones", "archive"},
                          diags, mark_of(field.key));
    if (auto f = section.get("user")) {
        if (auto name = read_managed_role(*f, diags)) into.user = *name;
    }
    if (auto f = section.get("rewind_user")) {
        if (auto name = read_managed_role(*f, diags)) {
            const std::string user = section.get("user") ? into.user : ReplicationOptions{}.user;
            if (*name == user) {
                diags.add(f->value, f->label + " " + quote_value(*name) +
                                        " must differ from replication.user (the rewind role "
                                        "has no REPLICATION)");
            } else {
                into.rewind_user = *name;
            }
        }
    }
    read_password_source(section, "replication", into.password_env, into.password_file, diags);
    if (auto f = section.get("slots")) {
        if (auto slots = read_bool(*f, diags)) into.slots = *slots;
    }
    if (auto f = section.get("parallel_clones")) {
        if (auto count = read_int(*f, 1, 64, diags)) into.parallel_clones = *count;
    }
    if (auto f = section.get("archive")) read_archive(*f, into.archive, diags, archive_host);
}

}  // namespace pgrepl::inventory_detail
