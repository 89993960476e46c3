#include "pgrepl/util/exit_code.hpp"

namespace pgrepl {

ExitCode exit_code_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
        case ErrorKind::Inventory:
            return ExitCode::Usage;
        case ErrorKind::Refused:
            return ExitCode::Refused;
        case ErrorKind::Connect:
        case ErrorKind::HostKey:
        case ErrorKind::Auth:
        case ErrorKind::Sudo:
        case ErrorKind::Remote:
        case ErrorKind::NotFound:
        case ErrorKind::Timeout:
        case ErrorKind::Conflict:
        case ErrorKind::Internal:
            return ExitCode::Failed;
    }
    return ExitCode::Failed;
}

}  // namespace pgrepl
