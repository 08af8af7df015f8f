#include "transfer/transfer_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include "net/handshake.hpp"
#include "transfer/request_handler.hpp"
#include "util/logger.hpp"

namespace mars::transfer {

using std::chrono::milliseconds;
using util::Priority;

namespace {
// How long accept() waits before looking at the stop flag again.
constexpr milliseconds kAcceptPoll{200};
// How long a connection waits for a request before looking at the stop flag.
constexpr milliseconds kRequestPoll{500};
} // namespace

TransferServer::TransferServer(tree::LamportClock& clock, ServerOptions options, ResourceAccess access)
    : clock_(clock), options_(std::move(options)), access_(std::move(access)), bucket_(options_.bandwidth_limit),
      listener_(options_.listen_address, options_.port, options_.security)
{
    acceptor_ = std::thread([this] { accept_loop(); });
}

TransferServer::~TransferServer()
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

const char* TransferServer::port_name() const
{
    return options_.service == Service::fetch ? "fetch port" : "sync port";
}

void TransferServer::reap_finished()
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

void TransferServer::accept_loop()
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
            util::log(Priority::err, std::string(port_name()) + ": accepting failed: " + e.what());
        }
    }
}

void TransferServer::serve(net::Listener::Pending pending)
{
    const std::string address = pending.peer;
    std::string peer_host = "?";
    try {
        auto channel = listener_.establish(std::move(pending), options_.handshake_timeout);
        net::HandshakeOptions hs;
        hs.host = options_.host;
        hs.cluster_uuid = options_.cluster_uuid ? options_.cluster_uuid() : std::string(net::kAnyClusterUuid);
        hs.timeout = options_.handshake_timeout;
        const net::PeerInfo peer = net::server_handshake(*channel, clock_, hs);
        peer_host = peer.host;

        RequestHandler handler(*channel, RequestHandler::Context{options_.service, access_, bucket_,
                                                                 [this] { return !stopping_; },
                                                                 options_.idle_timeout, port_name(), peer_host});
        milliseconds idle{0};
        while (!stopping_) {
            net::Message m;
            try {
                m = channel->receive(kRequestPoll);
            } catch (const net::NetError& e) {
                if (e.kind() != net::NetErrorKind::timeout)
                    throw;
                idle += kRequestPoll;
                if (idle >= options_.idle_timeout)
                    return; // the peer went quiet; it reconnects when it wants more
                continue;
            }
            idle = milliseconds{0};
            if (!handler.answer(m))
                return;
        }
    } catch (const net::NetError& e) {
        // Closed connections are routine (a client stopping a stream early
        // closes); everything else deserves a line.
        if (e.kind() != net::NetErrorKind::closed && !stopping_)
            util::log(e.kind() == net::NetErrorKind::refused || e.kind() == net::NetErrorKind::tls ||
                              e.kind() == net::NetErrorKind::protocol
                          ? Priority::warning
                          : Priority::info,
                      std::string(port_name()) + ": " + e.what(), {{"MARS_PEER", peer_host}});
    } catch (const std::exception& e) {
        util::log(Priority::warning,
                  std::string(port_name()) + ": " + address + " (" + peer_host + "): dropped: " + e.what(),
                  {{"MARS_PEER", peer_host}});
    }
}

} // namespace mars::transfer
