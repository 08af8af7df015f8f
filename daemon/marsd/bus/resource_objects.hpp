// One D-Bus object per resource under /org/mars/Mars1/resource/<escaped
// name>, interface org.mars.Mars1.Resource (dbus/org.mars.Mars1.Resource.xml):
// what the tree says (size, primary, members), this host's status
// (role, states, flags, positions, lag, sync progress, errors) and the
// resource commands. Objects come and go with the tree's resource-<res>/
// directories: an enumerator lists them, a fallback vtable serves them,
// InterfacesAdded/Removed and PropertiesChanged announce changes.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "replication/resource_status.hpp"
#include "resource_manager.hpp"
#include "tree/state_tree.hpp"

namespace mars::marsd {

inline constexpr const char* kResourcePathPrefix = "/org/mars/Mars1/resource";
inline constexpr const char* kResourceInterface = "org.mars.Mars1.Resource";

// The resource as the tree describes it.
struct ResourceView {
    std::string name;
    std::uint64_t size = 0;
    std::string primary;              // designated primary, "" if none
    std::vector<std::string> members; // hosts with data-<host>
    friend bool operator==(const ResourceView&, const ResourceView&) = default;
};

// The resources in the tree (resource::ResourceState::names()), as the bus shows them.
std::vector<ResourceView> resources_in(const resource::ResourceState& state);

struct ResourceContext {
    const tree::StateTree& tree;
    ResourceManager& manager;
    std::function<void()> state_changed; // after a command
};

class ResourceObjects {
  public:
    ResourceObjects(sd_bus* bus, ResourceContext context);
    ~ResourceObjects();
    ResourceObjects(const ResourceObjects&) = delete;
    ResourceObjects& operator=(const ResourceObjects&) = delete;

    // Announces resources that appeared or vanished and properties that
    // changed since the last call.
    void publish_changes();

    const tree::StateTree& tree() const { return ctx_.tree; }
    const resource::ResourceState& state() const { return ctx_.manager.state(); }
    ResourceContext& context() { return ctx_; }

  private:
    sd_bus* bus_;
    ResourceContext ctx_;
    sd_bus_slot* vtable_slot_ = nullptr;
    sd_bus_slot* enumerator_slot_ = nullptr;
    // Per resource: property name -> its value as last announced.
    std::map<std::string, std::map<std::string, std::string>> published_;
    bool bus_announced_ = false; // the first pass only records what exists
};

std::string resource_path(const std::string& name);

} // namespace mars::marsd
