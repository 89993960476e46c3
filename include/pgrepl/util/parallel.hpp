// Running one task per host on its own thread.
#pragma once

#include <cstddef>
#include <functional>

namespace pgrepl {

/// Calls task(i) for i in [0, count) on `count` threads at once and waits for all of them.
/// Exceptions thrown by a task are rethrown (the first one) after every thread has ended.
void parallel_for(std::size_t count, const std::function<void(std::size_t)>& task);

}  // namespace pgrepl
