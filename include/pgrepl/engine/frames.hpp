// The one framed-section format of the remote scripts' output. A script (the shell side) prints
// section headers `@@name ARGS` on lines of their own, each followed by its body: the lines up
// to the next header, or, for a sized file frame `@@file SIZE`, exactly SIZE bytes and a
// newline. Every remote script builds its frames with the writers below and every parser reads
// them with read_frames().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// One section of a framed output.
struct Frame {
    std::string_view name;  ///< the header's first word without "@@" ("" for text before any)
    std::string_view args;  ///< the rest of the header line after one space ("" when none)
    std::string_view body;  ///< the lines up to the next header (each with its '\n'), or the
                            ///< content of a sized file frame
};

/// Splits `output` into frames (views into it). A header is a line starting with "@@" and a
/// lower-case letter; its name is made of [a-z0-9-] up to a space or the line end (a '\r' at
/// the end is dropped). Text before the first header is a frame with an empty name (none when
/// there is no such text). An error (ErrorKind::Remote, "file size" or "file cut short") when
/// a sized file frame is broken.
Result<std::vector<Frame>> read_frames(std::string_view output);

/// A shell command printing the header `@@name ARGS` (ARGS: shell words, e.g. "\"$x\"";
/// empty: none). Uses only builtins.
std::string shell_frame(std::string_view name, std::string_view args = {});

/// A psql meta-command printing the header `@@name ARGS` (inside a psql script).
std::string psql_frame(std::string_view name, std::string_view args = {});

/// A shell command printing the file at the shell word `path` as a sized frame (`@@file SIZE`,
/// the content, a newline), or `@@nofile` when it is not a regular file.
std::string shell_file_frame(std::string_view path);

/// Shell commands printing each file at the shell words `paths`, in order, as shell_file_frame
/// does, with one wc for all their sizes (defines the function pgrepl_files).
std::string shell_file_frames(const std::vector<std::string>& paths);

/// The lines of a frame's body without their line ends.
std::vector<std::string_view> frame_lines(const Frame& frame);

}  // namespace pgrepl
