#include "pgrepl/util/parallel.hpp"

#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace pgrepl {

void parallel_for(std::size_t count, const std::function<void(std::size_t)>& task) {
    if (count == 1) {
        task(0);
        return;
    }
    std::exception_ptr first_error;
    std::mutex mutex;
    std::vector<std::thread> threads;
    threads.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        threads.emplace_back([&, i] {
            try {
                task(i);
            } catch (...) {
                std::lock_guard lock(mutex);
                if (!first_error) first_error = std::current_exception();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace pgrepl
