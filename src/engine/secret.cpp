#include "pgrepl/engine/secret.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pgrepl {

Result<std::string> load_replication_password(const ReplicationOptions& replication) {
    std::string password;
    if (replication.password_file) {
        const auto& path = *replication.password_file;
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0) {
            return make_error(ErrorKind::Usage,
                              fmt::format("replication.password_file {}: cannot read it", path),
                              "create it with mode 0600, holding only the password");
        }
        if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            return make_error(
                ErrorKind::Usage,
                fmt::format(
                    "replication.password_file {} is readable by group or others (mode {:o})", path,
                    info.st_mode & 0777),
                fmt::format("chmod 600 {}", path));
        }
        std::ifstream in(path, std::ios::binary);
        std::stringstream content;
        content << in.rdbuf();
        if (!in)
            return make_error(ErrorKind::Usage,
                              fmt::format("replication.password_file {}: cannot read it", path));
        password = content.str();
        while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
            password.pop_back();
    } else {
        const auto name = replication.password_env.value_or("PGREPL_REPLICATION_PASSWORD");
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) {
            return make_error(
                ErrorKind::Usage,
                fmt::format("the replication password variable {} is not set", name),
                fmt::format("export {} (or set replication.password_file in the inventory)", name));
        }
        password = value;
    }
    if (password.empty()) {
        return make_error(ErrorKind::Usage, "the replication password is empty",
                          "set a non-empty password");
    }
    if (password.find('\n') != std::string::npos || password.find('\0') != std::string::npos) {
        return make_error(ErrorKind::Usage,
                          "the replication password contains a line break or NUL byte",
                          "use a password of one line");
    }
    return password;
}

}  // namespace pgrepl
