// The meta port's server side: answers peers' pulls of the state tree
// (get_entries), takes the bootstrap push of a joining host (push_entries)
// and pings. The connections are net::ConnectionServer's.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "cluster/cluster_state.hpp"
#include "net/connection_server.hpp"
#include "net/security.hpp"
#include "tree/state_tree.hpp"

namespace mars::gossip {

struct ServerOptions {
    std::string listen_address; // "" = all addresses
    std::uint16_t port = 7777;
    net::SecurityOptions security;
    std::chrono::milliseconds handshake_timeout{10000};
    std::chrono::milliseconds idle_timeout{120000}; // a silent peer is dropped after this
};

class GossipServer {
public:
    // Starts listening at once; throws net::NetError if the port or the
    // security settings are unusable.
    // `peer_notified(host)` runs (on a connection thread) when a peer says
    // its tree changed: pull from it soon.
    GossipServer(tree::StateTree& tree, tree::LamportClock& clock, cluster::ClusterState& cluster,
                 ServerOptions options, std::function<void()> tree_changed,
                 std::function<void(const std::string& host)> peer_notified);
    ~GossipServer() = default;
    GossipServer(const GossipServer&) = delete;
    GossipServer& operator=(const GossipServer&) = delete;

    std::uint16_t port() const { return server_.port(); }

private:
    void session(net::Channel& channel, const net::PeerInfo& peer);

    tree::StateTree& tree_;
    tree::LamportClock& clock_;
    cluster::ClusterState& cluster_;
    std::function<void()> tree_changed_;
    std::function<void(const std::string&)> peer_notified_;
    net::ConnectionServer server_; // last: its threads use the members above
};

} // namespace mars::gossip
