// Cluster-level meaning of the state tree (mars-reference §3.1): the
// cluster uuid, membership (ips/ip-<host>), and each host's heartbeat
// (actual-<host>/time). Only this host's own entries are written here.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tree/state_tree.hpp"

namespace mars::cluster {

// A request that contradicts the cluster state ("already in a cluster").
class ClusterError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Member {
    std::string host;
    std::string address;
};

inline constexpr std::string_view kAnyUuid = "(any)";

class ClusterState {
public:
    ClusterState(tree::StateTree& tree, std::string own_host);

    const std::string& own_host() const { return own_host_; }
    std::optional<std::string> uuid() const;
    std::vector<Member> members() const;
    std::optional<Member> member(const std::string& host) const;
    bool is_member() const { return member(own_host_).has_value(); }

    // create-cluster: uuid "<host>_<seconds>" and our ips/ link, both as
    // proofs. Refuses when a cluster uuid exists already.
    void create(const std::string& address);
    // First step of join-cluster: our own ips/ link and a "(any)" uuid so
    // the peer's real uuid wins at the first merge.
    void prepare_join(const std::string& address);
    // leave-cluster: drops our ips/ link (we stay a witness of the tree).
    void leave();

    // Our heartbeat: actual-<host>/time and actual-<host>/alive.
    void heartbeat();
    // Stamp of a host's last heartbeat, if any.
    std::optional<std::uint64_t> last_heartbeat(const std::string& host) const;

private:
    tree::StateTree& tree_;
    std::string own_host_;
};

} // namespace mars::cluster
