#include <iostream>
#include <map>

#include "common.hpp"
#include "pgrepl/conninfo/conninfo.hpp"

namespace pgrepl::cli {

void add_conninfo_command(CLI::App& app, Context& context) {
    struct Options {
        std::string format = "uri";
        std::string purpose = "write";
        std::string user;
        std::string database;
        double reach_timeout = kDefaultReachTimeout;
    };
    auto options = std::make_shared<Options>();
    auto* conninfo = app.add_subcommand(
        "conninfo",
        "Print a connection string for applications, built from the live topology: every "
        "host, the primary first for writes (target_session_attrs=read-write), the standbys "
        "first for reads (prefer-standby); it keeps working after a promote or switchover. "
        "No password is printed (use ~/.pgpass or PGPASSWORD). See docs/conninfo.md");
    add_inventory_argument(*conninfo, context);
    const std::map<std::string, ConninfoFormat> formats = {{"uri", ConninfoFormat::Uri},
                                                           {"keyword", ConninfoFormat::Keyword},
                                                           {"jdbc", ConninfoFormat::Jdbc},
                                                           {"env", ConninfoFormat::Env}};
    conninfo->add_option("--format", options->format, "uri (default), keyword, jdbc or env")
        ->check(CLI::IsMember({"uri", "keyword", "jdbc", "env"}, CLI::ignore_case));
    const std::map<std::string, ConninfoPurpose> purposes = {{"write", ConninfoPurpose::Write},
                                                             {"read", ConninfoPurpose::Read}};
    conninfo->add_option("--for", options->purpose, "write (default: the primary) or read")
        ->check(CLI::IsMember({"write", "read"}, CLI::ignore_case));
    conninfo->add_option("--user", options->user,
                         "The application's role (default: the first role an access: entry "
                         "names)");
    conninfo->add_option("--database", options->database,
                         "The database (default: that access: entry's database, else "
                         "postgres)");
    add_reach_timeout_option(*conninfo, options->reach_timeout);
    add_global_options(*conninfo, context.global);
    conninfo->callback([&context, options, conninfo, formats, purposes] {
        context.action = [&context, options, conninfo, formats, purposes] {
            auto inventory = load_or_report(resolve_inventory_path(context));
            if (!inventory) return to_int(exit_code_for(ErrorKind::Inventory));
            ConninfoOptions run;
            run.format = formats.at(CLI::detail::to_lower(options->format));
            run.purpose = purposes.at(CLI::detail::to_lower(options->purpose));
            if (conninfo->count("--user") != 0) run.user = options->user;
            if (conninfo->count("--database") != 0) run.database = options->database;
            run.reach = reach_probe(options->reach_timeout);
            return to_int(run_conninfo(*inventory, run, ssh_factory(context), std::cout));
        };
    });
}

}  // namespace pgrepl::cli
