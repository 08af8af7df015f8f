#include "bus/resource_objects.hpp"

#include <cstdlib>
#include <set>

#include "bus/errors.hpp"
#include "bus/method.hpp"
#include "config/resource_config.hpp"
#include "config/values.hpp"
#include "util/system_error.hpp"

namespace mars::marsd {
namespace {

constexpr std::string_view kResourceDirPrefix = "resource-";

const resource::ResourceState& state_of(void* userdata)
{
    return static_cast<ResourceObjects*>(userdata)->state();
}

// The resource a path names, if the tree has it.
std::optional<ResourceView> resource_at(const char* path, void* userdata)
{
    char* name = nullptr;
    if (sd_bus_path_decode(path, kResourcePathPrefix, &name) <= 0 || !name)
        return std::nullopt;
    std::string n = name;
    std::free(name);
    for (auto& r : resources_in(state_of(userdata)))
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
    auto all = resources_in(state_of(userdata));
    char** list = static_cast<char**>(std::calloc(all.size() + 1, sizeof(char*)));
    if (!list)
        return -ENOMEM;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (sd_bus_path_encode(kResourcePathPrefix, all[i].name.c_str(), &list[i]) < 0)
            return -ENOMEM;
    *nodes = list;
    return 1;
}

template <typename Getter> int with_resource(const char* path, void* userdata, sd_bus_error* error, Getter&& get)
{
    auto r = resource_at(path, userdata);
    if (!r)
        return sd_bus_error_setf(error, "org.mars.Mars1.Error.NotFound", "no resource at %s", path);
    return get(*r);
}

// Every property of a resource, as (D-Bus signature, append function).
// One table serves the getters and the change detection alike.
struct PropertyValue {
    ResourceView view;
    replication::ResourceStatus status;
};

int append_strings(sd_bus_message* reply, const std::vector<std::string>& list)
{
    int rc = sd_bus_message_open_container(reply, 'a', "s");
    for (const auto& m : list)
        if (rc >= 0)
            rc = sd_bus_message_append(reply, "s", m.c_str());
    return rc < 0 ? rc : sd_bus_message_close_container(reply);
}

int append_todo(sd_bus_message* reply, const std::map<std::string, bool>& todo)
{
    int rc = sd_bus_message_open_container(reply, 'a', "{sb}");
    for (const auto& [k, v] : todo)
        if (rc >= 0)
            rc = sd_bus_message_append(reply, "{sb}", k.c_str(), static_cast<int>(v));
    return rc < 0 ? rc : sd_bus_message_close_container(reply);
}

// Appends property `name`; also renders it as text (for change detection)
// when `text` is given.
int append_property(sd_bus_message* reply, std::string_view name, const PropertyValue& p, std::string* text)
{
    const auto& st = p.status;
    auto str = [&](const std::string& v) {
        if (text)
            *text = v;
        return reply ? sd_bus_message_append(reply, "s", v.c_str()) : 0;
    };
    auto u64 = [&](std::uint64_t v) {
        if (text)
            *text = std::to_string(v);
        return reply ? sd_bus_message_append(reply, "t", static_cast<uint64_t>(v)) : 0;
    };
    auto dbl = [&](double v) {
        if (text)
            *text = std::to_string(v);
        return reply ? sd_bus_message_append(reply, "d", v) : 0;
    };
    if (name == "Name")
        return str(p.view.name);
    if (name == "Size")
        return u64(p.view.size);
    if (name == "Primary")
        return str(p.view.primary);
    if (name == "Members") {
        if (text)
            for (const auto& m : p.view.members)
                *text += m + ",";
        return reply ? append_strings(reply, p.view.members) : 0;
    }
    if (name == "Role")
        return str(st.role);
    if (name == "DiskState")
        return str(st.disk_state);
    if (name == "ReplState")
        return str(st.repl_state);
    if (name == "Flags")
        return str(st.flags);
    if (name == "Device")
        return str(st.device);
    if (name == "Frontend")
        return str(st.frontend);
    if (name == "Disk")
        return str(st.disk);
    if (name == "Todo") {
        if (text)
            for (const auto& [k, v] : st.todo)
                *text += k + (v ? "+" : "-");
        return reply ? append_todo(reply, st.todo) : 0;
    }
    if (name == "ReplayPosition")
        return str(st.replay_position);
    if (name == "FetchPosition")
        return str(st.fetch_position);
    if (name == "PrimaryPosition")
        return str(st.primary_position);
    if (name == "FetchLag")
        return u64(st.fetch_lag);
    if (name == "ReplayLag")
        return u64(st.replay_lag);
    // Whole seconds for change detection: a running clock alone does not
    // make a signal.
    if (name == "LagSeconds") {
        int r = dbl(st.lag_seconds);
        if (text)
            *text = std::to_string(static_cast<long long>(st.lag_seconds));
        return r;
    }
    if (name == "SyncProgress")
        return dbl(st.sync_progress);
    if (name == "SyncRemaining")
        return u64(st.sync_remaining);
    if (name == "SplitBrain")
        return str(st.split_brain);
    if (name == "LastError")
        return str(st.last_error);
    return -ENOENT;
}

constexpr const char* kChangingProperties[] = {
    "Size",     "Primary",   "Members",    "Role",         "DiskState",      "ReplState",     "Flags",
    "Device",   "Frontend",  "Disk",       "Todo",         "ReplayPosition", "FetchPosition", "PrimaryPosition",
    "FetchLag", "ReplayLag", "LagSeconds", "SyncProgress", "SyncRemaining",  "SplitBrain",    "LastError",
};

PropertyValue value_of(ResourceObjects& objects, const ResourceView& view)
{
    return PropertyValue{view, objects.context().manager.status(view.name)};
}

int get_property(sd_bus*, const char* path, const char*, const char* property, sd_bus_message* reply, void* userdata,
                 sd_bus_error* error)
{
    auto& objects = *static_cast<ResourceObjects*>(userdata);
    return with_resource(path, userdata, error, [&](const ResourceView& r) {
        return append_property(reply, property, value_of(objects, r), nullptr);
    });
}

// Resource methods: find the resource, run the command on it, answer.
template <typename... Args, typename Command>
int resource_method(sd_bus_message* m, void* userdata, sd_bus_error* error, Command&& command)
{
    auto& ctx = static_cast<ResourceObjects*>(userdata)->context();
    return command_method<Args...>(m, error, ctx, [&](Args... args) {
        const char* path = sd_bus_message_get_path(m);
        auto r = resource_at(path, userdata);
        if (!r)
            throw bus_errors::NotFound(std::string("no resource at ") + path);
        command(ctx.manager, r->name, args...);
    });
}

template <ResourceCommand C> int method_command(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    return resource_method(m, userdata, error,
                           [](ResourceManager& manager, const std::string& res) { manager.command(res, C); });
}

int method_leave(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    return resource_method(m, userdata, error,
                           [](ResourceManager& manager, const std::string& res) { manager.leave(res); });
}

int method_delete(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    return resource_method<int>(m, userdata, error, [](ResourceManager& manager, const std::string& res, int force) {
        manager.remove(res, force != 0);
    });
}

#define MARS_PROPERTY(name, signature)                                                                                 \
    SD_BUS_PROPERTY(name, signature, get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define MARS_COMMAND(name, command)                                                                                    \
    SD_BUS_METHOD_WITH_ARGS(name, SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_command<ResourceCommand::command>, 0)

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Name", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    MARS_PROPERTY("Size", "t"),
    MARS_PROPERTY("Primary", "s"),
    MARS_PROPERTY("Members", "as"),
    MARS_PROPERTY("Role", "s"),
    MARS_PROPERTY("DiskState", "s"),
    MARS_PROPERTY("ReplState", "s"),
    MARS_PROPERTY("Flags", "s"),
    MARS_PROPERTY("Device", "s"),
    MARS_PROPERTY("Frontend", "s"),
    MARS_PROPERTY("Disk", "s"),
    MARS_PROPERTY("Todo", "a{sb}"),
    MARS_PROPERTY("ReplayPosition", "s"),
    MARS_PROPERTY("FetchPosition", "s"),
    MARS_PROPERTY("PrimaryPosition", "s"),
    MARS_PROPERTY("FetchLag", "t"),
    MARS_PROPERTY("ReplayLag", "t"),
    MARS_PROPERTY("LagSeconds", "d"),
    MARS_PROPERTY("SyncProgress", "d"),
    MARS_PROPERTY("SyncRemaining", "t"),
    MARS_PROPERTY("SplitBrain", "s"),
    MARS_PROPERTY("LastError", "s"),
    SD_BUS_METHOD_WITH_ARGS("Leave", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_leave, 0),
    SD_BUS_METHOD_WITH_ARGS("Delete", SD_BUS_ARGS("b", force), SD_BUS_NO_RESULT, method_delete, 0),
    MARS_COMMAND("Attach", attach),
    MARS_COMMAND("Detach", detach),
    MARS_COMMAND("PauseFetch", pause_fetch),
    MARS_COMMAND("ResumeFetch", resume_fetch),
    MARS_COMMAND("PauseReplay", pause_replay),
    MARS_COMMAND("ResumeReplay", resume_replay),
    MARS_COMMAND("PauseSync", pause_sync),
    MARS_COMMAND("ResumeSync", resume_sync),
    MARS_COMMAND("Up", up),
    MARS_COMMAND("Down", down),
    MARS_COMMAND("LogRotate", log_rotate),
    MARS_COMMAND("LogDelete", log_delete),
    SD_BUS_VTABLE_END,
};

#undef MARS_PROPERTY
#undef MARS_COMMAND

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

std::vector<ResourceView> resources_in(const resource::ResourceState& state)
{
    std::vector<ResourceView> out;
    for (const auto& name : state.names()) {
        auto info = state.info(name);
        if (!info)
            continue;
        ResourceView r{name, info->size, info->primary, {}};
        for (const auto& [host, entry] : info->hosts)
            r.members.push_back(host);
        out.push_back(std::move(r));
    }
    return out;
}

ResourceObjects::ResourceObjects(sd_bus* bus, ResourceContext context) : bus_(bus), ctx_(std::move(context))
{
    int r = sd_bus_add_fallback_vtable(bus_, &vtable_slot_, kResourcePathPrefix, kResourceInterface, kVtable,
                                       find_object, this);
    if (r < 0)
        util::throw_errno(-r, "registering the resource objects");
    r = sd_bus_add_node_enumerator(bus_, &enumerator_slot_, kResourcePathPrefix, enumerate, this);
    if (r < 0)
        util::throw_errno(-r, "registering the resource enumerator");
    publish_changes();
}

ResourceObjects::~ResourceObjects()
{
    sd_bus_slot_unref(enumerator_slot_);
    sd_bus_slot_unref(vtable_slot_);
}

void ResourceObjects::publish_changes()
{
    std::map<std::string, std::map<std::string, std::string>> now;
    for (auto& view : resources_in(ctx_.manager.state())) {
        PropertyValue value = value_of(*this, view);
        auto& props = now[view.name];
        for (const char* name : kChangingProperties)
            append_property(nullptr, name, value, &props[name]);
    }
    for (const auto& [name, props] : now) {
        auto old = published_.find(name);
        const std::string path = resource_path(name);
        if (old == published_.end()) {
            if (bus_announced_)
                sd_bus_emit_object_added(bus_, path.c_str());
            continue;
        }
        std::vector<std::string> changed;
        for (const auto& [prop, text] : props)
            if (old->second[prop] != text)
                changed.push_back(prop);
        if (changed.empty())
            continue;
        std::vector<char*> names;
        for (auto& c : changed)
            names.push_back(c.data());
        names.push_back(nullptr);
        sd_bus_emit_properties_changed_strv(bus_, path.c_str(), kResourceInterface, names.data());
    }
    for (const auto& [name, props] : published_)
        if (!now.count(name))
            sd_bus_emit_object_removed(bus_, resource_path(name).c_str());
    published_ = std::move(now);
    bus_announced_ = true;
}

} // namespace mars::marsd
