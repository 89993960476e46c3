// Writing a local file so that a reader never sees it half written.
#pragma once

#include <sys/types.h>
#include <string>
#include <string_view>

#include "pgrepl/util/result.hpp"

namespace pgrepl {

/// Writes `content` to `path` atomically: a temporary file in the same directory, flushed to
/// disk (fsync), given `mode`, then renamed over `path`. A reader sees the old file or the new
/// one, never a part. An error (ErrorKind::Usage, naming the path and the system's reason) when
/// the directory cannot be written; the temporary file is then removed.
Status write_file_atomically(const std::string& path, std::string_view content, mode_t mode);

}  // namespace pgrepl
