#include "net/connection_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include "util/logger.hpp"

namespace mars::net {

using std::chrono::milliseconds;
using util::Priority;

namespace {
// How long accept() waits before looking at the stop flag again.
constexpr milliseconds kAcceptPoll{200};
// How long a connection waits for a request before looking at the stop flag.
constexpr milliseconds kRequestPoll{500};
} // namespace

ConnectionServer::ConnectionServer(tree::LamportClock& clock, ConnectionServerOptions options, Session session)
    : clock_(clock), options_(std::move(options)), session_(std::move(session)),
      listener_(options_.listen_address, options_.port, options_.security)
{
    acceptor_ = std::thread([this] { accept_loop(); });
}

ConnectionServer::~ConnectionServer()
{
    stopping_ = true;
    acceptor_.join();
    std::lock_guard lock(connections_mutex_);
    for (auto& c : connections_)
        if (c.stop_handle)
            ::shutdown(c.stop_handle.get(), SHUT_RDWR);
    for (auto& c : connections_)
        c.thread.join();
}

void ConnectionServer::reap_finished()
{
    std::lock_guard lock(connections_mutex_);
    for (auto it = connections_.begin(); it != connections_.end();) {
        if (it->done) {
            it->thread.join();
            it = connections_.erase(it);
        } else {
            ++it;
        }
    }
}

void ConnectionServer::accept_loop()
{
    while (!stopping_) {
        try {
            auto pending = listener_.accept_connection(kAcceptPoll);
            reap_finished();
            if (!pending)
                continue;
            std::lock_guard lock(connections_mutex_);
            auto& c = connections_.emplace_back();
            c.stop_handle.reset(::fcntl(pending->fd.get(), F_DUPFD_CLOEXEC, 0));
            c.thread = std::thread([this, &c, p = std::move(*pending)]() mutable {
                serve(std::move(p));
                c.done = true;
            });
        } catch (const std::exception& e) {
            util::log(Priority::err, options_.name + ": accepting failed: " + e.what());
        }
    }
}

std::optional<Message> ConnectionServer::next_request(Channel& channel) const
{
    milliseconds idle{0};
    while (!stopping_) {
        try {
            return channel.receive(kRequestPoll);
        } catch (const NetError& e) {
            if (e.kind() != NetErrorKind::timeout)
                throw;
            idle += kRequestPoll;
            if (idle >= options_.idle_timeout)
                return std::nullopt;
        }
    }
    return std::nullopt;
}

void ConnectionServer::serve(Listener::Pending pending)
{
    const std::string address = pending.peer;
    std::string peer_host = "?";
    try {
        auto channel = listener_.establish(std::move(pending), options_.handshake_timeout);
        HandshakeOptions hs = options_.handshake();
        hs.timeout = options_.handshake_timeout;
        const PeerInfo peer = server_handshake(*channel, clock_, hs);
        peer_host = peer.host;
        session_(*channel, peer);
    } catch (const NetError& e) {
        // Closed connections are routine (a client stopping a stream early
        // closes), and so is everything at stop; the rest deserves a line.
        if (e.kind() != NetErrorKind::closed && !stopping_)
            util::log(e.kind() == NetErrorKind::refused || e.kind() == NetErrorKind::tls ||
                              e.kind() == NetErrorKind::protocol
                          ? Priority::warning
                          : Priority::info,
                      options_.name + ": " + e.what(), {{"MARS_PEER", peer_host}});
    } catch (const std::exception& e) {
        util::log(Priority::warning, options_.name + ": " + address + " (" + peer_host + "): dropped: " + e.what(),
                  {{"MARS_PEER", peer_host}});
    }
}

} // namespace mars::net
