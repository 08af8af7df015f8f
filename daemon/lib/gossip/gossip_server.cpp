#include "gossip/gossip_server.hpp"

#include "gossip/exchange.hpp"
#include "net/handshake.hpp"
#include "util/logger.hpp"

namespace mars::gossip {

using std::chrono::milliseconds;
using util::Priority;

namespace {
// How long accept() waits before looking at the stop flag again.
constexpr milliseconds kAcceptPoll{200};
// How long a connection waits for a request before looking at the stop flag.
constexpr milliseconds kRequestPoll{500};
} // namespace

GossipServer::GossipServer(tree::StateTree& tree, tree::LamportClock& clock, cluster::ClusterState& cluster,
                           ServerOptions options, std::function<void()> tree_changed,
                           std::function<void(const std::string& host)> peer_notified)
    : tree_(tree), clock_(clock), cluster_(cluster), options_(std::move(options)),
      tree_changed_(std::move(tree_changed)), peer_notified_(std::move(peer_notified)),
      listener_(options_.listen_address, options_.port, options_.security)
{
    acceptor_ = std::thread([this] { accept_loop(); });
}

GossipServer::~GossipServer()
{
    stopping_ = true;
    acceptor_.join();
    std::lock_guard lock(connections_mutex_);
    for (auto& c : connections_)
        c.thread.join();
}

void GossipServer::reap_finished()
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

void GossipServer::accept_loop()
{
    while (!stopping_) {
        try {
            auto pending = listener_.accept_connection(kAcceptPoll);
            reap_finished();
            if (!pending)
                continue;
            std::lock_guard lock(connections_mutex_);
            auto& c = connections_.emplace_back();
            c.thread = std::thread([this, &c, p = std::move(*pending)]() mutable {
                serve(std::move(p));
                c.done = true;
            });
        } catch (const std::exception& e) {
            util::log(Priority::err, std::string("meta port: accepting failed: ") + e.what());
        }
    }
}

void GossipServer::serve(net::Listener::Pending pending)
{
    const std::string address = pending.peer;
    std::string peer_host = "?";
    try {
        auto channel = listener_.establish(std::move(pending), options_.handshake_timeout);
        net::HandshakeOptions hs;
        hs.host = cluster_.own_host();
        hs.cluster_uuid = cluster_.uuid().value_or(net::kAnyClusterUuid);
        hs.timeout = options_.handshake_timeout;
        net::PeerInfo peer = net::server_handshake(*channel, clock_, hs);
        peer_host = peer.host;
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
            switch (m.type) {
            case net::MessageType::get_entries:
                channel->send(answer_get_entries(tree_, clock_, m.as<net::GetEntries>()));
                break;
            case net::MessageType::push_entries: {
                // Only a joining host pushes (its own ips/ and actual- links).
                auto push = m.as<net::PushEntries>();
                clock_.observe(push.stamp);
                auto count = merge_entries(tree_, push.entries);
                if (count.refused > 0)
                    util::log(Priority::warning, "peer " + peer.host + " (" + address + ") pushed " +
                                                     std::to_string(count.refused) + " unusable entries: " +
                                                     count.first_refusal,
                              {{"MARS_PEER", peer.host}});
                if (count.applied > 0) {
                    util::log(Priority::notice, "host " + peer.host + " (" + address + ") joins the cluster",
                              {{"MARS_PEER", peer.host}});
                    tree_changed_();
                }
                channel->send(net::Ack{});
                break;
            }
            case net::MessageType::notify:
                m.as<net::Notify>();
                peer_notified_(peer.host);
                channel->send(net::Ack{});
                break;
            case net::MessageType::ping:
                channel->send(net::Pong{m.as<net::Ping>().nonce});
                break;
            default:
                channel->send(net::ErrorMessage{"unexpected " + net::message_type_name(m.type) + " request"});
            }
        }
    } catch (const net::NetError& e) {
        // Closed connections are routine; everything else deserves a line.
        if (e.kind() != net::NetErrorKind::closed)
            util::log(e.kind() == net::NetErrorKind::refused || e.kind() == net::NetErrorKind::tls
                          ? Priority::warning
                          : Priority::info,
                      std::string("meta port: ") + e.what(), {{"MARS_PEER", peer_host}});
    } catch (const std::exception& e) {
        util::log(Priority::warning, "meta port: " + address + " (" + peer_host + "): " + e.what(),
                  {{"MARS_PEER", peer_host}});
    }
}

} // namespace mars::gossip
