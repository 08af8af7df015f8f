#include "gossip/gossip_server.hpp"

#include "gossip/exchange.hpp"
#include "net/handshake.hpp"
#include "util/logger.hpp"

namespace mars::gossip {

using util::Priority;

namespace {

net::ConnectionServerOptions connection_options(const ServerOptions& o, cluster::ClusterState& cluster)
{
    net::ConnectionServerOptions c;
    c.name = "meta port";
    c.listen_address = o.listen_address;
    c.port = o.port;
    c.security = o.security;
    c.handshake_timeout = o.handshake_timeout;
    c.idle_timeout = o.idle_timeout;
    c.handshake = [&cluster] {
        net::HandshakeOptions hs;
        hs.host = cluster.own_host();
        hs.cluster_uuid = cluster.uuid().value_or(net::kAnyClusterUuid);
        return hs;
    };
    return c;
}

} // namespace

GossipServer::GossipServer(tree::StateTree& tree, tree::LamportClock& clock, cluster::ClusterState& cluster,
                           ServerOptions options, std::function<void()> tree_changed,
                           std::function<void(const std::string& host)> peer_notified)
    : tree_(tree), clock_(clock), cluster_(cluster), tree_changed_(std::move(tree_changed)),
      peer_notified_(std::move(peer_notified)),
      server_(clock, connection_options(options, cluster),
              [this](net::Channel& channel, const net::PeerInfo& peer) { session(channel, peer); })
{
}

void GossipServer::session(net::Channel& channel, const net::PeerInfo& peer)
{
    while (auto m = server_.next_request(channel)) {
        switch (m->type) {
        case net::MessageType::get_entries:
            channel.send(answer_get_entries(tree_, clock_, m->as<net::GetEntries>()));
            break;
        case net::MessageType::push_entries: {
            // Only a joining host pushes (its own ips/ and actual- links).
            auto push = m->as<net::PushEntries>();
            clock_.observe(push.stamp);
            auto count = merge_entries(tree_, push.entries);
            if (count.refused > 0)
                util::log(Priority::warning, "peer " + peer.host + " pushed " + std::to_string(count.refused) +
                                                 " unusable entries: " + count.first_refusal,
                          {{"MARS_PEER", peer.host}});
            if (count.applied > 0) {
                util::log(Priority::notice, "host " + peer.host + " joins the cluster", {{"MARS_PEER", peer.host}});
                tree_changed_();
            }
            channel.send(net::Ack{});
            break;
        }
        case net::MessageType::notify:
            m->as<net::Notify>();
            peer_notified_(peer.host);
            channel.send(net::Ack{});
            break;
        case net::MessageType::ping:
            channel.send(net::Pong{m->as<net::Ping>().nonce});
            break;
        default:
            channel.send(net::ErrorMessage{"unexpected " + net::message_type_name(m->type) + " request"});
        }
    }
}

} // namespace mars::gossip
