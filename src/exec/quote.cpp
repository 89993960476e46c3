#include "pgrepl/exec/quote.hpp"

#include <stdexcept>

namespace pgrepl {

std::string shell_quote(std::string_view value) {
    std::string quoted;
    quoted.reserve(value.size() + 2);
    quoted.push_back('\'');
    for (char c : value) {
        if (c == '\0') {
            throw std::invalid_argument("shell_quote: a NUL byte cannot be passed to a shell");
        }
        if (c == '\'') {
            // Close the quote, add an escaped quote, reopen: 'it'\''s'.
            quoted.append("'\\''");
        } else {
            quoted.push_back(c);
        }
    }
    quoted.push_back('\'');
    return quoted;
}

}  // namespace pgrepl
