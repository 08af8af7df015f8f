#include "net/socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "net/error.hpp"

namespace mars::net {
namespace {

// A peer that stops answering is declared dead after about
// kKeepIdle + kKeepCount * kKeepInterval seconds of silence.
constexpr int kKeepIdle = 10;
constexpr int kKeepInterval = 5;
constexpr int kKeepCount = 3;

void set_int_option(int fd, int level, int name, int value, const char* what)
{
    if (::setsockopt(fd, level, name, &value, sizeof value) != 0)
        throw NetError(NetErrorKind::io, "", std::string("setting ") + what + ": " + std::strerror(errno));
}

} // namespace

std::string SocketAddress::text() const
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
        ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
        return std::string(buf) + ":" + std::to_string(ntohs(in->sin_port));
    }
    if (storage.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        const std::string port = std::to_string(ntohs(in6->sin6_port));
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            ::inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf, sizeof buf);
            return std::string(buf) + ":" + port;
        }
        ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
        return "[" + std::string(buf) + "]:" + port;
    }
    return "(unknown address family " + std::to_string(storage.ss_family) + ")";
}

SocketAddress parse_address(std::string_view host, std::uint16_t port)
{
    std::string h(host);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']')
        h = h.substr(1, h.size() - 2);
    SocketAddress a;
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (::inet_pton(AF_INET, h.c_str(), &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        a.length = sizeof(sockaddr_in);
    } else if (::inet_pton(AF_INET6, h.c_str(), &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        a.length = sizeof(sockaddr_in6);
    } else {
        throw NetError(NetErrorKind::config, "", "'" + std::string(host) + "' is not an IPv4 or IPv6 address");
    }
    return a;
}

Deadline deadline_after(std::chrono::milliseconds timeout)
{
    const auto now = Clock::now();
    if (timeout >= std::chrono::duration_cast<std::chrono::milliseconds>(Deadline::max() - now))
        return Deadline::max();
    return now + timeout;
}

std::string describe(std::chrono::milliseconds timeout)
{
    if (timeout.count() % 1000 == 0 && timeout.count() != 0)
        return std::to_string(timeout.count() / 1000) + " s";
    return std::to_string(timeout.count()) + " ms";
}

bool wait_for(int fd, short events, Deadline deadline)
{
    for (;;) {
        int ms = -1;
        if (deadline != Deadline::max()) {
            const auto left = deadline - Clock::now();
            if (left <= Clock::duration::zero())
                return false;
            // Round up: poll(0) in a loop would spin until the deadline.
            const auto left_ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
            ms = left_ms > INT_MAX ? INT_MAX : static_cast<int>(left_ms);
        }
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, ms);
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            throw NetError(NetErrorKind::io, "", std::string("poll: ") + std::strerror(errno));
    }
}

util::UniqueFd connect_tcp(const SocketAddress& address, Deadline deadline)
{
    const std::string peer = address.text();
    util::UniqueFd fd(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd)
        throw NetError(NetErrorKind::io, peer, std::string("creating a socket: ") + std::strerror(errno));
    set_peer_socket_options(fd.get());
    if (::connect(fd.get(), address.get(), address.length) != 0) {
        if (errno != EINPROGRESS && errno != EINTR)
            throw NetError(NetErrorKind::io, peer, std::string("connecting: ") + std::strerror(errno));
        if (!wait_for(fd.get(), POLLOUT, deadline))
            throw NetError(NetErrorKind::timeout, peer, "connecting: no answer in time");
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0)
            throw NetError(NetErrorKind::io, peer, std::string("connecting: ") + std::strerror(err));
    }
    return fd;
}

void set_peer_socket_options(int fd)
{
    set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    set_int_option(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE, kKeepIdle, "TCP_KEEPIDLE");
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL, kKeepInterval, "TCP_KEEPINTVL");
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPCNT, kKeepCount, "TCP_KEEPCNT");
}

} // namespace mars::net
