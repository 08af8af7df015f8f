// Errors from system calls, with the context an admin needs to act on them.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace mars::util {

// Throws std::system_error whose what() reads "<context>: <strerror(err)>".
[[noreturn]] inline void throw_errno(int err, const std::string& context)
{
    throw std::system_error(err, std::generic_category(), context);
}

[[noreturn]] inline void throw_errno(const std::string& context) { throw_errno(errno, context); }

} // namespace mars::util
