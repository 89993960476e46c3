// A small line diff for showing what a step changes.
#pragma once

#include <string>
#include <string_view>

namespace pgrepl {

/// A diff of two texts: a `--- label` / `+++ label` header, then the changed lines prefixed
/// with `-` or `+` and up to `context` unchanged lines around them prefixed with a space.
/// Empty when the texts are equal.
std::string line_diff(std::string_view before, std::string_view after, std::string_view label,
                      int context = 2);

}  // namespace pgrepl
