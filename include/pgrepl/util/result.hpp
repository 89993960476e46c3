// Expected-style error values: what can go wrong in normal operation is returned, not thrown.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace pgrepl {

/// What kind of failure an Error describes; decides the exit code and the wording of hints.
enum class ErrorKind {
    Usage,      ///< bad command-line arguments
    Inventory,  ///< the inventory file is invalid
    Connect,    ///< TCP or SSH transport failure, timeout while connecting
    HostKey,    ///< host key unknown, changed or not verifiable
    Auth,       ///< SSH authentication failed
    Sudo,       ///< privilege escalation failed (for instance sudo wants a password)
    Remote,     ///< a remote command failed
    NotFound,   ///< a remote file or object does not exist
    Timeout,    ///< something did not happen in time
    Conflict,   ///< live state disagrees with what pgrepl manages
    Refused,    ///< refused for safety (exit code 3)
    Internal,   ///< a bug in pgrepl
};

/// A short lower-case name of an ErrorKind, for logs and JSON.
const char* to_string(ErrorKind kind);

/// An expected failure: its kind, where it happened (host and step, as fields: never glued into
/// the message), a one-line message and an optional hint for the user.
struct Error {
    ErrorKind kind = ErrorKind::Internal;  ///< what failed
    std::string message;                   ///< what went wrong, one line, without host and step
    std::string hint;                      ///< what the user can do about it (may be empty)
    std::string host;                      ///< the inventory host it happened on ("" when none)
    std::string step;                      ///< what was being done there ("connect"; may be "")
};

/// Builds an Error; a shorthand used throughout the code base.
inline Error make_error(ErrorKind kind, std::string message, std::string hint = {}) {
    return Error{kind, std::move(message), std::move(hint), {}, {}};
}

/// Builds an Error that happened on `host` while doing `step`: the way every error that concerns
/// a host is made (`make_host_error(ErrorKind::Connect, host.name, "connect", "timed out")`, shown
/// as "db1: connect: timed out"), never by writing "host: step: " into the message.
inline Error make_host_error(ErrorKind kind, std::string host, std::string step,
                             std::string message, std::string hint = {}) {
    return Error{kind, std::move(message), std::move(hint), std::move(host), std::move(step)};
}

/// The one-line text of an error for display: "host: step: message", leaving out what is empty.
/// Every error shown to the user goes through it (or the overload below), never `.message` alone.
std::string describe(const Error& error);

/// describe() for a line that already names `shown_host`: without the host when the error
/// happened there ("connect: timed out" for db1's error on db1's line), else the whole text.
std::string describe(const Error& error, std::string_view shown_host);

/// Either a value of type T or an Error (a minimal std::expected for C++20).
template <typename T>
class [[nodiscard]] Result {
  public:
    /// A successful result holding a value.
    Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
    /// A failed result holding an error.
    Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}

    /// True when the result holds a value.
    bool ok() const { return data_.index() == 0; }
    /// True when the result holds a value.
    explicit operator bool() const { return ok(); }
    /// The value; calling it on an error is a bug.
    T& value() & { return std::get<0>(data_); }
    /// The value; calling it on an error is a bug.
    const T& value() const& { return std::get<0>(data_); }
    /// The value, moved out; calling it on an error is a bug.
    T&& value() && { return std::get<0>(std::move(data_)); }
    /// The error; calling it on a value is a bug.
    const Error& error() const { return std::get<1>(data_); }
    /// Pointer-like access to the value.
    T* operator->() { return &value(); }
    /// Pointer-like access to the value.
    const T* operator->() const { return &value(); }
    /// Dereference to the value.
    T& operator*() & { return value(); }
    /// Dereference to the value.
    const T& operator*() const& { return value(); }

  private:
    std::variant<T, Error> data_;
};

/// A value-less success, for Result<Unit>.
struct Unit {};

/// Success or an Error.
using Status = Result<Unit>;

/// The successful Status.
inline Status ok_status() {
    return Status(Unit{});
}

}  // namespace pgrepl
