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

struct ManagerContext {
    const config::HostConfig& config;
    tree::StateTree& tree;
    cluster::ClusterState& cluster;
    std::function<bool(const std::string& host)> peer_alive;
    std::function<void()> state_changed; // after a command changed the tree
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
