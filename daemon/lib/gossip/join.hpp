// join-cluster: the one place where mars pushes (mars-reference §3.4 item 5).
// The new host announces itself to one member, then pulls that member's
// whole tree; regular gossip takes over from there.
#pragma once

#include <chrono>
#include <string>

#include "cluster/cluster_state.hpp"
#include "net/security.hpp"
#include "tree/state_tree.hpp"

namespace mars::gossip {

struct JoinRequest {
    std::string peer_host;    // the member we ask
    std::string peer_address; // its address
    std::uint16_t port = 7777;
    std::string own_address;  // ours, for ips/ip-<us>
    net::SecurityOptions security;
    std::chrono::milliseconds timeout{10000};
};

// Returns the cluster uuid we joined. Throws cluster::ClusterError when we
// are in another cluster already, net::NetError when the member cannot be
// reached or refuses us.
std::string join_cluster(tree::StateTree& tree, tree::LamportClock& clock, cluster::ClusterState& cluster,
                         const JoinRequest& request);

} // namespace mars::gossip
