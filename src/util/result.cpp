#include "pgrepl/util/result.hpp"

namespace pgrepl {

std::string describe(const Error& error) {
    std::string text;
    for (const std::string* part : {&error.host, &error.step}) {
        if (!part->empty()) text += *part + ": ";
    }
    return text + error.message;
}

std::string describe(const Error& error, std::string_view shown_host) {
    if (error.host.empty() || error.host != shown_host) return describe(error);
    return error.step.empty() ? error.message : error.step + ": " + error.message;
}

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
            return "usage";
        case ErrorKind::Inventory:
            return "inventory";
        case ErrorKind::Connect:
            return "connect";
        case ErrorKind::HostKey:
            return "host-key";
        case ErrorKind::Auth:
            return "auth";
        case ErrorKind::Sudo:
            return "sudo";
        case ErrorKind::Remote:
            return "remote";
        case ErrorKind::NotFound:
            return "not-found";
        case ErrorKind::Timeout:
            return "timeout";
        case ErrorKind::Conflict:
            return "conflict";
        case ErrorKind::Refused:
            return "refused";
        case ErrorKind::Internal:
            return "internal";
    }
    return "unknown";
}

}  // namespace pgrepl
