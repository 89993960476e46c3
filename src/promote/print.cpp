#include "print.hpp"

#include <fmt/format.h>

#include <variant>

namespace pgrepl::promote_detail {

void EventSink::emit(PromoteEvent event) {
    const auto lines = render_promote_event(inventory_, event, options_);
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& text : lines) out_ << text << '\n';
    out_.flush();
    events_.push_back(std::move(event));
}

void EventSink::emit(RepointEvent event) {
    std::visit([this](auto& e) { emit(PromoteEvent{std::move(e)}); }, event);
}

std::chrono::milliseconds EventSink::elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start_);
}

PromoteReport EventSink::report(ExitCode exit_code) {
    std::lock_guard<std::mutex> lock(mutex_);
    return PromoteReport{events_, exit_code};
}

}  // namespace pgrepl::promote_detail
