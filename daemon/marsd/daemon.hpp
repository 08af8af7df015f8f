// marsd: one daemon per host. Wires the library (state tree, cluster,
// resources with their data path, fetch, sync and replay) to sd-event and
// sd-bus, and reports to systemd.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <filesystem>
#include <memory>
#include <functional>
#include <string>
#include <thread>

#include "bus/manager_object.hpp"
#include "bus/resource_objects.hpp"
#include "gossip/gossip_client.hpp"
#include "gossip/gossip_server.hpp"
#include "main_thread_queue.hpp"
#include "resource_manager.hpp"
#include "cluster/cluster_state.hpp"
#include "config/host_config.hpp"
#include "tree/lamport_clock.hpp"
#include "tree/state_tree.hpp"

namespace mars::marsd {

enum class BusKind { system, session };

struct DaemonOptions {
    std::filesystem::path config_file = "/etc/mars/mars.conf";
    BusKind bus = BusKind::system;
};

class Daemon {
public:
    // Loads the configuration and the state tree; throws with a message
    // naming what is wrong (a config line, an unusable home).
    explicit Daemon(DaemonOptions options);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Serves until SIGTERM or SIGINT. Returns the exit code.
    int run();

private:
    void connect_bus();
    void start_timers();
    void on_tick();
    void publish_changes();
    // After a command changed the tree here: tell peers, publish on D-Bus.
    void tree_changed_locally();
    void purge_old_tombstones();
    bool peer_alive(const std::string& host) const;

    // Cluster commands (called by the D-Bus manager object).
    void create_cluster(const std::string& address);
    void join_cluster(const std::string& host, const std::string& address,
                      std::function<void(const std::string&)> done);
    void leave_cluster();
    void update_cluster();

    // Gossip runs whenever this host is in a cluster.
    void start_gossip();
    std::string own_address() const;
    static int on_tick_timer(sd_event_source* s, uint64_t usec, void* userdata);

    DaemonOptions options_;
    config::HostConfig config_;
    tree::LamportClock clock_;
    std::unique_ptr<tree::StateTree> tree_;
    std::unique_ptr<cluster::ClusterState> cluster_;
    sd_event* event_ = nullptr;
    sd_bus* bus_ = nullptr;
    sd_event_source* tick_ = nullptr;
    std::unique_ptr<MainThreadQueue> main_queue_;
    std::unique_ptr<ResourceManager> resource_manager_;
    std::unique_ptr<ManagerObject> manager_;
    std::unique_ptr<ResourceObjects> resources_;
    std::uint64_t last_purge_ns_ = 0;
    std::unique_ptr<gossip::GossipServer> gossip_server_;
    std::unique_ptr<gossip::GossipClient> gossip_client_;
    std::thread join_thread_;
    bool joining_ = false;
};

} // namespace mars::marsd
