// Small text helpers shared by every parser (remote script output, psql output, files).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgrepl {

/// The line at `pos` without its '\n' (a trailing '\r' kept); `pos` moves past it.
std::string_view next_line(std::string_view text, std::size_t& pos);

/// Every line of `text` without its '\n'; a final line without '\n' counts, "" gives none.
std::vector<std::string_view> split_lines(std::string_view text);

/// The first line of `text` that is not blank, without leading blanks or its line end
/// ("" when there is none): psql's first error line, a marker file's note.
std::string first_line(std::string_view text);

/// `text` without leading and trailing spaces, tabs, '\r' and '\n'.
std::string_view trim(std::string_view text);

/// `text` without trailing '\r' and '\n' (a command's output as one line).
std::string_view trim_line_end(std::string_view text);

}  // namespace pgrepl
