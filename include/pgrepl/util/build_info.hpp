// What this binary was built from (pgrepl --version).
#pragma once

namespace pgrepl {

/// The git commit the binary was built from (12 hex digits, "-dirty" when the work tree had
/// changes), or "unknown" outside a git checkout. Generated at build time.
const char* build_commit();

}  // namespace pgrepl
