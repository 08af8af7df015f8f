// Pull-based gossip: one puller thread per cluster member (ips/ip-<host>,
// minus ourselves) connects to the member's meta port and asks, every
// interval or when triggered, for what changed in its tree since last time.
// Membership changes are followed by update_members().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/cluster_state.hpp"
#include "net/security.hpp"
#include "tree/state_tree.hpp"

namespace mars::gossip {

struct ClientOptions {
    std::uint16_t port = 7777;
    net::SecurityOptions security;
    std::chrono::milliseconds interval{5000}; // propagate_interval_sec
    std::chrono::milliseconds timeout{10000}; // connect, handshake, each request
    std::chrono::milliseconds retry{2000};    // after a failed connection
};

struct PeerStatus {
    bool connected = false;
    std::uint64_t pulls = 0;     // successful pull rounds
    std::string last_error;      // empty while fine
};

class GossipClient {
public:
    GossipClient(tree::StateTree& tree, tree::LamportClock& clock, cluster::ClusterState& cluster,
                 ClientOptions options, std::function<void()> tree_changed);
    ~GossipClient();
    GossipClient(const GossipClient&) = delete;
    GossipClient& operator=(const GossipClient&) = delete;

    // Starts pullers for new members (and restarts those whose address
    // changed), stops those of hosts that left.
    void update_members();
    // Asks every puller to pull now.
    void trigger();
    // Asks the puller of `host` to pull now.
    void trigger(const std::string& host);
    // Tells every peer that our tree changed, so they pull from us at once
    // instead of at their next interval.
    void notify_peers();
    std::map<std::string, PeerStatus> status() const;

private:
    struct Puller;
    void run(Puller& p);

    tree::StateTree& tree_;
    tree::LamportClock& clock_;
    cluster::ClusterState& cluster_;
    ClientOptions options_;
    std::function<void()> tree_changed_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Puller>> pullers_;
};

} // namespace mars::gossip
