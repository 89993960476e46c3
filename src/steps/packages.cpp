// packages: postgresql-V is installed.
#include <fmt/format.h>

#include "common.hpp"
#include "pgrepl/exec/quote.hpp"
#include "pgrepl/steps/steps.hpp"

namespace pgrepl {
namespace {

class PackagesStep final : public Step {
  public:
    std::string_view name() const override { return "packages"; }

    Result<Check> check(const StepContext& context) override {
        const auto package = "postgresql-" + context.host.postgres.version.to_string();
        if (context.snapshot.facts.pg_installed) return Check::done(package + " installed");
        return Check::needed("install " + package + " (apt-get)", "+ " + package + "\n");
    }

    Status apply(const StepContext& context, const Check&) override {
        Command command;
        command.script = fmt::format(
            "export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q "
            "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold {} </dev/null",
            shell_quote("postgresql-" + context.host.postgres.version.to_string()));
        command.mutation = Mutation::Mutating;
        command.purpose = "apt-get install";
        auto result = steps::run_checked(context, name(), std::move(command));
        if (!result) {
            auto error = result.error();
            error.hint =
                "check the host's apt sources (apt-get update) and that the package exists";
            return error;
        }
        return ok_status();
    }
};

}  // namespace

std::unique_ptr<Step> make_packages_step() {
    return std::make_unique<PackagesStep>();
}

}  // namespace pgrepl
