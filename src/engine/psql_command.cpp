#include "pgrepl/engine/psql_command.hpp"

#include <fmt/format.h>

#include "pgrepl/exec/quote.hpp"
#include "pgrepl/pg/paths.hpp"

namespace pgrepl {

PsqlCommand probe_psql() {
    PsqlCommand command;
    command.user = PsqlUser::Function;
    command.binary_word = "\"$BIN/psql\"";
    command.port_word = "\"$PORT\"";
    command.on_error = PsqlOnError::Continue;
    return command;
}

PsqlCommand runuser_psql() {
    PsqlCommand command;
    command.user = PsqlUser::Runuser;
    command.on_error = PsqlOnError::Continue;
    return command;
}

PsqlCommand session_psql(PsqlUser user, std::string application_name) {
    PsqlCommand command;
    command.user = user;
    command.socket_dir.clear();  // libpq's default: /var/run/postgresql on Debian
    command.application_name = std::move(application_name);
    command.connect_timeout = 5;
    command.on_error = PsqlOnError::Continue;
    command.quiet = PsqlQuiet::Yes;
    return command;
}

std::string psql_command(const Host& host, const PsqlCommand& command) {
    std::string words;
    switch (command.user) {
        case PsqlUser::Current:
            break;
        case PsqlUser::Runuser:
            words = "runuser -u postgres -- ";
            break;
        case PsqlUser::Function:
            words = "as_postgres ";
            break;
    }
    const bool variables = command.connect_timeout > 0 || !command.application_name.empty();
    if (variables && command.user != PsqlUser::Current) words += "env ";
    if (command.connect_timeout > 0)
        words += fmt::format("PGCONNECT_TIMEOUT={} ", command.connect_timeout);
    if (!command.application_name.empty())
        words += fmt::format("PGAPPNAME={} ", shell_quote(command.application_name));
    words +=
        command.binary_word.empty()
            ? shell_quote("/usr/lib/postgresql/" + host.postgres.version.to_string() + "/bin/psql")
            : command.binary_word;
    if (!command.conninfo.empty()) {
        words += " " + shell_quote(command.conninfo);
    } else {
        if (!command.socket_dir.empty()) words += " -h " + shell_quote(command.socket_dir);
        words += " -p " + (command.port_word.empty() ? std::to_string(host.postgres.port)
                                                     : command.port_word);
        if (!command.database.empty()) words += " -d " + shell_quote(command.database);
    }
    words += command.quiet == PsqlQuiet::Yes ? " -X -q -At -F '|'" : " -X -At -F '|'";
    if (command.on_error == PsqlOnError::Stop) words += " -v ON_ERROR_STOP=1";
    return words;
}

std::string server_log_tail(Executor& executor, const Host& host, int lines) {
    Command command;
    command.script =
        fmt::format("tail -n {} {} 2>/dev/null", lines, shell_quote(cluster_paths(host).log_file));
    command.purpose = "read the server log";
    auto result = executor.run(command);
    if (!result || !result->success()) return {};
    return result->out;
}

}  // namespace pgrepl
