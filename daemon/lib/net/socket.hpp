// TCP plumbing under Channel and Listener: numeric addresses (peers are
// found by the addresses in ips/ip-<host>, never by DNS), non-blocking
// sockets with poll()-based deadlines, and the socket options every peer
// connection gets.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/unique_fd.hpp"

namespace mars::net {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    // "10.0.0.2:7777", "[fd00::2]:7777"; IPv4-mapped IPv6 shows as IPv4.
    std::string text() const;
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// `host` must be a numeric IPv4 or IPv6 address (IPv6 may be in brackets).
// Throws NetError(config).
SocketAddress parse_address(std::string_view host, std::uint16_t port);

// Connects a non-blocking TCP socket, waiting until `deadline`. Throws
// NetError (io, timeout) naming the address.
util::UniqueFd connect_tcp(const SocketAddress& address, Deadline deadline);

// TCP_NODELAY (requests are small and latency-bound) and keepalive (a dead
// peer is noticed even on an idle connection), on an already non-blocking fd.
void set_peer_socket_options(int fd);

// Waits until `fd` has one of `events` (or an error or hangup) or the
// deadline passes. Returns false on timeout. Retries EINTR.
bool wait_for(int fd, short events, Deadline deadline);

// Deadline `timeout` from now, saturating instead of overflowing.
Deadline deadline_after(std::chrono::milliseconds timeout);

// "200 ms", "5 s".
std::string describe(std::chrono::milliseconds timeout);

} // namespace mars::net
