// Helpers for the peer protocol tests: security options, raw sockets for
// hostile input, and a server running in a thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <future>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/error.hpp"
#include "net/security.hpp"
#include "util/unique_fd.hpp"

namespace mars::net::test {

using namespace std::chrono_literals;

// Bounds waits that a passing run never reaches; a failing run still ends.
inline constexpr std::chrono::milliseconds kGenerous = 10s;
// For tests that wait for a timeout on purpose.
inline constexpr std::chrono::milliseconds kShort = 200ms;

inline bool contains(const std::string& s, const std::string& part)
{
    return s.find(part) != std::string::npos;
}

std::vector<unsigned char> random_key();
SecurityOptions psk_options(std::vector<unsigned char> key);
SecurityOptions none_options();

// A plain blocking TCP connection to 127.0.0.1:port, for sending bytes no
// Channel would send.
util::UniqueFd raw_connect(std::uint16_t port);
void raw_send(int fd, std::span<const std::byte> bytes);
std::vector<std::byte> random_bytes(std::size_t size, std::uint64_t seed);

// Runs `fn` in its own thread; get() returns its result or rethrows.
template <typename Fn> auto in_thread(Fn&& fn)
{
    return std::async(std::launch::async, std::forward<Fn>(fn));
}

// Runs `fn`, which must throw NetError, and returns that error; records a
// test failure if it throws nothing or something else.
template <typename Fn> NetError expect_net_error(Fn&& fn)
{
    try {
        fn();
    } catch (const NetError& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected NetError, got: " << e.what();
        return NetError(NetErrorKind::io, "", e.what());
    }
    ADD_FAILURE() << "expected NetError, nothing was thrown";
    return NetError(NetErrorKind::io, "", "nothing was thrown");
}

} // namespace mars::net::test
