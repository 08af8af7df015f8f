#include "gossip/join.hpp"

#include "gossip/exchange.hpp"
#include "net/channel.hpp"
#include "net/handshake.hpp"

namespace mars::gossip {

std::string join_cluster(tree::StateTree& tree, tree::LamportClock& clock, cluster::ClusterState& cluster,
                         const JoinRequest& request)
{
    cluster.prepare_join(request.own_address);

    auto channel = net::Channel::connect(request.peer_address, request.port, request.security, request.timeout);
    net::HandshakeOptions hs;
    hs.host = cluster.own_host();
    hs.cluster_uuid = cluster.uuid().value_or(net::kAnyClusterUuid);
    hs.expected_peer = request.peer_host;
    hs.timeout = request.timeout;
    net::PeerInfo peer = net::client_handshake(*channel, clock, hs);

    // Announce ourselves: our ips/ link and our actual-<host>/ status.
    net::PushEntries push;
    push.stamp = clock.now();
    for (const auto& prefix : {"ips/ip-" + cluster.own_host(), "actual-" + cluster.own_host() + "/"})
        for (auto& e : tree.list(prefix))
            push.entries.push_back(e);
    channel->send(push, request.timeout);
    channel->receive(request.timeout).as<net::Ack>();

    PullCursor cursor;
    pull(*channel, tree, cursor, request.timeout);
    auto uuid = cluster.uuid();
    if (!uuid || *uuid == cluster::kAnyUuid)
        throw cluster::ClusterError("joined " + peer.host + " but it has no cluster uuid (is it in a cluster?)");
    return *uuid;
}

} // namespace mars::gossip
