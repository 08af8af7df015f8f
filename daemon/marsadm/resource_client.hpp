// marsadm's calls on resource objects: /org/mars/Mars1/resource/<escaped
// name>, interface org.mars.Mars1.Resource.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bus_client.hpp"

namespace mars::marsadm {

inline constexpr const char* kResourcePathPrefix = "/org/mars/Mars1/resource";
inline constexpr const char* kResourceInterface = "org.mars.Mars1.Resource";

// The object path of a resource (sd_bus_path_encode escaping).
std::string resource_path(const std::string& name);

// Calls `method` on the resource object; throws BusError with a message for
// the admin ("no resource 'r0' here", or marsd's own error text).
void call_resource(BusClient& bus, const std::string& name, const char* method, std::uint64_t timeout_usec = 0);
void call_resource_bool(BusClient& bus, const std::string& name, const char* method, bool arg,
                        std::uint64_t timeout_usec = 0);

// Every property of the resource object (Properties.GetAll), as a JSON
// object keyed by property name: s -> string, t/u/i/x -> number, d -> number,
// b -> bool, as -> array, a{sb} -> object; other types are skipped.
nlohmann::json read_resource_properties(BusClient& bus, const std::string& name);

// The resources in the state tree (Manager.ListResources), sorted by name.
std::vector<std::string> list_resources(BusClient& bus);

// What "all" means for commands that act on this host: the resources this
// host is a member of (its name is in Members).
std::vector<std::string> local_resources(BusClient& bus);

// The name of this host (Manager.Host).
std::string this_host(BusClient& bus);

} // namespace mars::marsadm
