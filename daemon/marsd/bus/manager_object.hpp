// /org/mars/Mars1, interface org.mars.Mars1.Manager (dbus/org.mars.Mars1.Manager.xml):
// the cluster's methods and properties. One sd-bus vtable, like hostnamed.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <string>

#include "cluster/cluster_state.hpp"
#include "config/host_config.hpp"
#include "tree/state_tree.hpp"

namespace mars::marsd {

inline constexpr const char* kBusName = "org.mars.Mars1";
inline constexpr const char* kManagerPath = "/org/mars/Mars1";
inline constexpr const char* kManagerInterface = "org.mars.Mars1.Manager";

// What the manager object needs from the daemon. The cluster commands that
// involve the network live in the daemon; the object only translates.
struct ManagerContext {
    const config::HostConfig& config;
    tree::StateTree& tree;
    cluster::ClusterState& cluster;
    std::function<bool(const std::string& host)> peer_alive;
    std::function<void()> state_changed; // after a command changed the tree
    std::function<void(const std::string& address)> create_cluster;
    // Runs in the background; `done` gets "" or the error text, on the main thread.
    std::function<void(const std::string& host, const std::string& address,
                       std::function<void(const std::string& error)> done)>
        join_cluster;
    std::function<void()> leave_cluster;
    std::function<void()> update_cluster;
    // Resource commands (ResourceManager).
    std::function<void(const std::string& name, const std::string& disk, const std::string& device, std::uint64_t size)>
        create_resource;
    std::function<void(const std::string& name, const std::string& disk, const std::string& device)> join_resource;
};

class ManagerObject {
public:
    ManagerObject(sd_bus* bus, ManagerContext context);
    ~ManagerObject();
    ManagerObject(const ManagerObject&) = delete;
    ManagerObject& operator=(const ManagerObject&) = delete;

    // Emits PropertiesChanged for the cluster properties that differ from
    // the last time this was called.
    void publish_changes();

    ManagerContext& context() { return ctx_; }

private:
    sd_bus* bus_;
    sd_bus_slot* slot_ = nullptr;
    ManagerContext ctx_;
    std::string last_uuid_;
    std::string last_peers_;
};

} // namespace mars::marsd
