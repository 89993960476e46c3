#include "pgrepl/engine/secret.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

namespace pgrepl {

namespace {

// Where a password comes from: its inventory section ("replication", "patroni"), what it is
// called in messages, and its variable or file.
struct PasswordSource {
    std::string section;
    std::string what;
    std::optional<std::string> env;
    std::string default_env;
    std::optional<std::string> file;
};

Result<std::string> load_password(const PasswordSource& source) {
    std::string password;
    if (source.file) {
        const auto& path = *source.file;
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0) {
            return make_error(
                ErrorKind::Usage,
                fmt::format("{}.password_file {}: cannot read it", source.section, path),
                "create it with mode 0600, holding only the password");
        }
        if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            return make_error(
                ErrorKind::Usage,
                fmt::format("{}.password_file {} is readable by group or others (mode {:o})",
                            source.section, path, info.st_mode & 0777),
                fmt::format("chmod 600 {}", path));
        }
        std::ifstream in(path, std::ios::binary);
        std::stringstream content;
        content << in.rdbuf();
        if (!in)
            return make_error(ErrorKind::Usage, fmt::format("{}.password_file {}: cannot read it",
                                                            source.section, path));
        password = content.str();
        while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
            password.pop_back();
    } else {
        const auto name = source.env.value_or(source.default_env);
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) {
            return make_error(ErrorKind::Usage,
                              fmt::format("the {} variable {} is not set", source.what, name),
                              fmt::format("export {} (or set {}.password_file in the inventory)",
                                          name, source.section));
        }
        password = value;
    }
    if (password.empty()) {
        return make_error(ErrorKind::Usage, fmt::format("the {} is empty", source.what),
                          "set a non-empty password");
    }
    if (password.find('\n') != std::string::npos || password.find('\0') != std::string::npos) {
        return make_error(ErrorKind::Usage,
                          fmt::format("the {} contains a line break or NUL byte", source.what),
                          "use a password of one line");
    }
    return password;
}

}  // namespace

Result<std::string> load_replication_password(const ReplicationOptions& replication) {
    return load_password({"replication", "replication password", replication.password_env,
                          "PGREPL_REPLICATION_PASSWORD", replication.password_file});
}

Result<std::string> load_patroni_password(const PatroniOptions& patroni) {
    return load_password({"patroni", "Patroni REST API password", patroni.password_env,
                          "PGREPL_PATRONI_PASSWORD", patroni.password_file});
}

}  // namespace pgrepl
