// Quoting for the remote POSIX shell: the one function every inventory value goes through.
#pragma once

#include <string>
#include <string_view>

namespace pgrepl {

/// Returns `value` as one single-quoted POSIX shell word ('it'\''s'). Newlines, `$()`, backticks
/// and every other byte are kept literally. A NUL byte cannot be passed through a shell: it throws
/// std::invalid_argument (inventory validation rejects NUL, so reaching this is a bug).
std::string shell_quote(std::string_view value);

}  // namespace pgrepl
