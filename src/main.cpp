// The thin executable: everything lives in pgrepl_lib.
#include "pgrepl/cli/app.hpp"

int main(int argc, char** argv) {
    return pgrepl::run_cli(argc, argv);
}
