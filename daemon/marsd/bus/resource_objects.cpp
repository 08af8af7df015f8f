#include "bus/resource_objects.hpp"

#include <cstdlib>
#include <set>

#include "config/resource_config.hpp"
#include "config/values.hpp"
#include "util/system_error.hpp"

namespace mars::marsd {
namespace {

constexpr std::string_view kResourceDirPrefix = "resource-";

const tree::StateTree& tree_of(void* userdata) { return static_cast<ResourceObjects*>(userdata)->tree(); }

// The resource a path names, if the tree has it.
std::optional<ResourceView> resource_at(const char* path, void* userdata)
{
    char* name = nullptr;
    if (sd_bus_path_decode(path, kResourcePathPrefix, &name) <= 0 || !name)
        return std::nullopt;
    std::string n = name;
    std::free(name);
    for (auto& r : resources_in(tree_of(userdata)))
        if (r.name == n)
            return r;
    return std::nullopt;
}

int find_object(sd_bus*, const char* path, const char*, void* userdata, void** found, sd_bus_error*)
{
    if (!resource_at(path, userdata))
        return 0;
    *found = userdata;
    return 1;
}

int enumerate(sd_bus*, const char*, void* userdata, char*** nodes, sd_bus_error*)
{
    auto all = resources_in(tree_of(userdata));
    char** list = static_cast<char**>(std::calloc(all.size() + 1, sizeof(char*)));
    if (!list)
        return -ENOMEM;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (sd_bus_path_encode(kResourcePathPrefix, all[i].name.c_str(), &list[i]) < 0)
            return -ENOMEM;
    *nodes = list;
    return 1;
}

template <typename Getter>
int with_resource(const char* path, void* userdata, sd_bus_error* error, Getter&& get)
{
    auto r = resource_at(path, userdata);
    if (!r)
        return sd_bus_error_setf(error, "org.mars.Mars1.Error.NotFound", "no resource at %s", path);
    return get(*r);
}

int get_name(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,
             sd_bus_error* error)
{
    return with_resource(path, userdata, error,
                         [&](const ResourceView& r) { return sd_bus_message_append(reply, "s", r.name.c_str()); });
}

int get_size(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,
             sd_bus_error* error)
{
    return with_resource(path, userdata, error, [&](const ResourceView& r) {
        return sd_bus_message_append(reply, "t", static_cast<uint64_t>(r.size));
    });
}

int get_primary(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,
                sd_bus_error* error)
{
    return with_resource(path, userdata, error,
                         [&](const ResourceView& r) { return sd_bus_message_append(reply, "s", r.primary.c_str()); });
}

int get_members(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,
                sd_bus_error* error)
{
    return with_resource(path, userdata, error, [&](const ResourceView& r) {
        int rc = sd_bus_message_open_container(reply, 'a', "s");
        for (const auto& m : r.members)
            if (rc >= 0)
                rc = sd_bus_message_append(reply, "s", m.c_str());
        return rc < 0 ? rc : sd_bus_message_close_container(reply);
    });
}

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Name", "s", get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Size", "t", get_size, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Primary", "s", get_primary, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Members", "as", get_members, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_VTABLE_END,
};

} // namespace

std::string resource_path(const std::string& name)
{
    char* path = nullptr;
    if (sd_bus_path_encode(kResourcePathPrefix, name.c_str(), &path) < 0)
        throw std::bad_alloc();
    std::string out = path;
    std::free(path);
    return out;
}

std::vector<ResourceView> resources_in(const tree::StateTree& tree)
{
    // One pass over resource-* entries, grouped by directory.
    std::map<std::string, ResourceView> found;
    for (const auto& e : tree.list(kResourceDirPrefix)) {
        auto slash = e.key.find('/');
        if (slash == std::string::npos)
            continue;
        std::string name = e.key.substr(kResourceDirPrefix.size(), slash - kResourceDirPrefix.size());
        if (!config::check_resource_name(name).empty())
            continue;
        ResourceView& r = found[name];
        r.name = name;
        std::string rest = e.key.substr(slash + 1);
        if (rest == "size")
            r.size = config::parse_unsigned(e.value).value_or(0);
        else if (rest == "primary")
            r.primary = e.value == "(none)" ? "" : e.value;
        else if (rest.rfind("data-", 0) == 0)
            r.members.push_back(rest.substr(5));
    }
    std::vector<ResourceView> out;
    for (auto& [name, r] : found)
        out.push_back(std::move(r));
    return out;
}

ResourceObjects::ResourceObjects(sd_bus* bus, const tree::StateTree& tree) : bus_(bus), tree_(tree)
{
    int r = sd_bus_add_fallback_vtable(bus_, &vtable_slot_, kResourcePathPrefix, kResourceInterface, kVtable,
                                       find_object, this);
    if (r < 0)
        util::throw_errno(-r, "registering the resource objects");
    r = sd_bus_add_node_enumerator(bus_, &enumerator_slot_, kResourcePathPrefix, enumerate, this);
    if (r < 0)
        util::throw_errno(-r, "registering the resource enumerator");
    for (auto& res : resources_in(tree_))
        published_[res.name] = res;
}

ResourceObjects::~ResourceObjects()
{
    sd_bus_slot_unref(enumerator_slot_);
    sd_bus_slot_unref(vtable_slot_);
}

void ResourceObjects::publish_changes()
{
    std::map<std::string, ResourceView> now;
    for (auto& r : resources_in(tree_))
        now[r.name] = r;
    for (const auto& [name, r] : now) {
        auto old = published_.find(name);
        const std::string path = resource_path(name);
        if (old == published_.end()) {
            sd_bus_emit_object_added(bus_, path.c_str());
            continue;
        }
        if (old->second.size != r.size)
            sd_bus_emit_properties_changed(bus_, path.c_str(), kResourceInterface, "Size", nullptr);
        if (old->second.primary != r.primary)
            sd_bus_emit_properties_changed(bus_, path.c_str(), kResourceInterface, "Primary", nullptr);
        if (old->second.members != r.members)
            sd_bus_emit_properties_changed(bus_, path.c_str(), kResourceInterface, "Members", nullptr);
    }
    for (const auto& [name, r] : published_)
        if (!now.count(name))
            sd_bus_emit_object_removed(bus_, resource_path(name).c_str());
    published_ = std::move(now);
}

} // namespace mars::marsd
