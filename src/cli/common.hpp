// Shared plumbing of the command-line layer (CLI11 wiring only; logic lives in engine/).
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "pgrepl/engine/connect.hpp"
#include "pgrepl/exec/crash_point.hpp"
#include "pgrepl/inventory/inventory.hpp"

namespace pgrepl::cli {

/// Options that apply to every command, given before or after it (or both).
struct GlobalOptions {
    std::string inventory;                ///< -i/--inventory
    int verbose = 0;                      ///< number of -v, before and after the command
    bool quiet = false;                   ///< -q
    std::optional<std::string> log_file;  ///< --log-file
};

/// What the parsed command line asks for: the chosen command's action returns the exit code.
struct Context {
    GlobalOptions global;            ///< global options
    std::string inventory_argument;  ///< the command's positional INVENTORY (setup, verify, ...)
    std::string command;             ///< the chosen command: "setup", "inventory check", ...
    std::function<int()> action;     ///< set by the subcommand that was chosen
    /// The crash-point test hook's counter, shared by every executor of the process; null
    /// (the hook is off) unless its environment variables are set.
    std::shared_ptr<CrashPoints> crash_points;
};

/// Adds -i/--inventory, -v/--verbose, -q/--quiet and --log-file to `app` (the main app or a
/// command, listed under "Global options" in its --help); every app given the same `global`
/// writes into it: -v counts add up, an -i or --log-file given twice is a usage error.
void add_global_options(CLI::App& app, GlobalOptions& global);

/// Adds the optional positional INVENTORY to a command, stored in context.inventory_argument.
void add_inventory_argument(CLI::App& command, Context& context);

/// The inventory path: the positional INVENTORY, else -i, else $PGREPL_INVENTORY, else
/// ./inventory.yaml.
std::string resolve_inventory_path(const Context& context);

/// Loads and validates the inventory; on failure prints every `FILE:LINE:COL: message` to
/// stderr and returns std::nullopt (the caller exits with code 2).
std::optional<Inventory> load_or_report(const std::string& path);

/// The production executor factory (SSH); each executor is wrapped in the crash-point test
/// hook when context.crash_points is set.
ExecutorFactory ssh_factory(const Context& context);

/// The default of --reach-timeout, in seconds.
inline constexpr double kDefaultReachTimeout = 1.0;

/// Adds --reach-timeout SECONDS (0 turns the probe off) to a command, stored in `seconds`.
void add_reach_timeout_option(CLI::App& command, double& seconds);

/// Adds --wait-lock SECONDS (default 0: refuse at once) to a mutating command, stored in
/// `seconds`: how long to wait while another pgrepl run holds a host's lock (docs/locking.md).
void add_wait_lock_option(CLI::App& command, int& seconds);

/// The TCP reach probe for --reach-timeout `seconds`, or an empty probe when it is 0.
ReachProbe reach_probe(double seconds);

/// Splits "a,b,c" (and repeated options) into names.
std::vector<std::string> split_names(const std::vector<std::string>& values);

/// Adds --json (a pgrepl-run/1 document on stdout, the progress lines on stderr: docs/json.md).
void add_json_flag(CLI::App& command, bool& json);
/// Milliseconds since `start`.
std::chrono::milliseconds since(std::chrono::steady_clock::time_point start);

/// Registers each command; one file per command.
void add_setup_command(CLI::App& app, Context& context);
/// Registers `verify`.
void add_verify_command(CLI::App& app, Context& context);
/// Registers `promote`.
void add_promote_command(CLI::App& app, Context& context);
/// Registers `switchover`.
void add_switchover_command(CLI::App& app, Context& context);
/// Registers `inventory check`.
void add_inventory_command(CLI::App& app, Context& context);
/// Registers `ping`.
void add_ping_command(CLI::App& app, Context& context);
/// Registers `handoff patroni` (hand the cluster to Patroni and etcd).
void add_handoff_command(CLI::App& app, Context& context);
/// Registers `conninfo` (connection strings for applications).
void add_conninfo_command(CLI::App& app, Context& context);

}  // namespace pgrepl::cli
