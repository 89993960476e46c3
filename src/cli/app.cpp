#include "pgrepl/cli/app.hpp"

#include <cstdio>

namespace pgrepl {

int run_cli(int, char**) {
    std::puts("pgrepl " PGREPL_VERSION);
    return 0;
}

}  // namespace pgrepl
