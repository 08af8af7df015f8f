#include "net/listener.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/socket.hpp"

namespace mars::net {
namespace {

constexpr int kBacklog = 64;

std::uint16_t port_of(const sockaddr_storage& s)
{
    if (s.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&s)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&s)->sin6_port);
}

} // namespace

Listener::Listener(std::string_view address, std::uint16_t port, const SecurityOptions& security)
    : mode_(security.mode), tls_(TlsContext::create(security, TlsRole::server))
{
    const bool any = address.empty();
    SocketAddress a = parse_address(any ? "::" : address, port);
    const std::string where = any ? "*:" + std::to_string(port) : a.text();
    fd_.reset(::socket(a.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_ && any && errno == EAFNOSUPPORT) { // a kernel without IPv6
        a = parse_address("0.0.0.0", port);
        fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    }
    if (!fd_)
        throw NetError(NetErrorKind::io, "", "listening on " + where + ": " + std::strerror(errno));
    const int one = 1;
    const int zero = 0;
    // A restarted marsd must get its port back at once, not after TIME_WAIT.
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (any && a.storage.ss_family == AF_INET6) // IPv4 too
        ::setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (::bind(fd_.get(), a.get(), a.length) != 0 || ::listen(fd_.get(), kBacklog) != 0)
        throw NetError(NetErrorKind::io, "", "listening on " + where + ": " + std::strerror(errno));
    SocketAddress bound;
    bound.length = sizeof bound.storage;
    if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&bound.storage), &bound.length) != 0)
        throw NetError(NetErrorKind::io, "", "listening on " + where + ": getsockname: " + std::strerror(errno));
    port_ = port_of(bound.storage);
    address_ = any ? "*:" + std::to_string(port_) : bound.text();
}

std::optional<Listener::Pending> Listener::accept_connection(std::optional<std::chrono::milliseconds> wait)
{
    const Deadline deadline = wait ? deadline_after(*wait) : Deadline::max();
    for (;;) {
        SocketAddress peer;
        peer.length = sizeof peer.storage;
        util::UniqueFd fd(::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer.storage), &peer.length,
                                    SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (fd) {
            set_peer_socket_options(fd.get());
            return Pending{std::move(fd), peer.text()};
        }
        // A connection that died in the backlog, or one another thread took.
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            throw NetError(NetErrorKind::io, "", "accepting on " + address_ + ": " + std::strerror(errno));
        if (!wait_for(fd_.get(), POLLIN, deadline))
            return std::nullopt;
    }
}

std::unique_ptr<Channel> Listener::establish(Pending connection, std::chrono::milliseconds timeout)
{
    return Channel::establish(std::move(connection.fd), std::move(connection.peer), mode_, tls_,
                              deadline_after(timeout), timeout);
}

std::unique_ptr<Channel> Listener::accept(std::chrono::milliseconds handshake_timeout,
                                          std::optional<std::chrono::milliseconds> wait)
{
    auto pending = accept_connection(wait);
    if (!pending)
        return nullptr;
    return establish(std::move(*pending), handshake_timeout);
}

} // namespace mars::net
