// One D-Bus object per resource under /org/mars/Mars1/resource/<escaped
// name>, interface org.mars.Mars1.Resource, with the properties the state
// tree holds so far (resource-<res>/size, primary, members). Objects come
// and go with the tree's resource-<res>/ directories: an enumerator lists
// them, a fallback vtable serves them, InterfacesAdded/Removed and
// PropertiesChanged announce changes.
#pragma once

#include <systemd/sd-bus.h>

#include <map>
#include <string>
#include <vector>

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

std::vector<ResourceView> resources_in(const tree::StateTree& tree);

class ResourceObjects {
public:
    ResourceObjects(sd_bus* bus, const tree::StateTree& tree);
    ~ResourceObjects();
    ResourceObjects(const ResourceObjects&) = delete;
    ResourceObjects& operator=(const ResourceObjects&) = delete;

    // Announces resources that appeared or vanished and properties that
    // changed since the last call.
    void publish_changes();

    const tree::StateTree& tree() const { return tree_; }

private:
    sd_bus* bus_;
    const tree::StateTree& tree_;
    sd_bus_slot* vtable_slot_ = nullptr;
    sd_bus_slot* enumerator_slot_ = nullptr;
    std::map<std::string, ResourceView> published_;
};

std::string resource_path(const std::string& name);

} // namespace mars::marsd
