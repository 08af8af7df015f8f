#include "bus/manager_object.hpp"

#include <cstdint>
#include <stdexcept>

#include "bus/errors.hpp"
#include "bus/method.hpp"
#include "bus/resource_objects.hpp"
#include "util/logger.hpp"
#include "util/system_error.hpp"

namespace mars::marsd {
namespace {

constexpr const char* kVersion = "0.1.0";

ManagerObject& self(void* userdata) { return *static_cast<ManagerObject*>(userdata); }

std::string peers_fingerprint(ManagerContext& c)
{
    std::string s;
    for (const auto& m : c.cluster.members())
        s += m.host + "=" + m.address + (c.peer_alive(m.host) ? "+" : "-") + ";";
    return s;
}

// The live entry `key` names; InvalidArgument or NotFound otherwise.
tree::Entry existing_entry(ManagerContext& c, const char* key)
{
    if (auto why = tree::check_key(key); !why.empty())
        throw std::invalid_argument(why);
    auto e = c.tree.get(key);
    if (!e)
        throw bus_errors::NotFound("no entry '" + std::string(key) + "' in " + c.config.home.string());
    return *e;
}

int get_host(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata, sd_bus_error*)
{
    return sd_bus_message_append(reply, "s", self(userdata).context().config.name.c_str());
}

int get_uuid(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata, sd_bus_error*)
{
    return sd_bus_message_append(reply, "s", self(userdata).context().cluster.uuid().value_or("").c_str());
}

int get_version(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void*, sd_bus_error*)
{
    return sd_bus_message_append(reply, "s", kVersion);
}

int get_home(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata, sd_bus_error*)
{
    return sd_bus_message_append(reply, "s", self(userdata).context().config.home.c_str());
}

int get_peers(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata, sd_bus_error*)
{
    auto& c = self(userdata).context();
    int r = sd_bus_message_open_container(reply, 'a', "(ssb)");
    if (r < 0)
        return r;
    for (const auto& m : c.cluster.members()) {
        int alive = c.peer_alive(m.host) ? 1 : 0;
        r = sd_bus_message_append(reply, "(ssb)", m.host.c_str(), m.address.c_str(), alive);
        if (r < 0)
            return r;
    }
    return sd_bus_message_close_container(reply);
}

int method_create_cluster(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return command_method<const char*>(m, error, c, [&](const char* address) { c.create_cluster(address); });
}

int method_join_cluster(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return bus_method<const char*, const char*>(m, error, [&](const char* host, const char* address) {
        // The reply waits for the network: keep the call and answer later.
        sd_bus_message* call = sd_bus_message_ref(m);
        ManagerObject* object = &self(userdata);
        c.join_cluster(host, address, [call, object](const std::string& failure) {
            if (failure.empty()) {
                sd_bus_reply_method_return(call, "");
                object->context().state_changed();
            } else {
                sd_bus_reply_method_errorf(call, bus_errors::kFailed, "%s", failure.c_str());
            }
            sd_bus_message_unref(call);
        });
        return 1;
    });
}

int method_leave_cluster(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return command_method<>(m, error, c, [&] { c.leave_cluster(); });
}

int method_update_cluster(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return bus_method<>(m, error, [&] {
        c.update_cluster();
        return sd_bus_reply_method_return(m, "");
    });
}

int method_list_resources(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return bus_method<>(m, error, [&] {
        sd_bus_message* reply = nullptr;
        int r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
            r = sd_bus_message_open_container(reply, 'a', "(so)");
        for (const auto& res : resources_in(resource::ResourceState(c.tree, c.config.name)))
            if (r >= 0)
                r = sd_bus_message_append(reply, "(so)", res.name.c_str(), resource_path(res.name).c_str());
        if (r >= 0)
            r = sd_bus_message_close_container(reply);
        if (r >= 0)
            r = sd_bus_send(nullptr, reply, nullptr);
        sd_bus_message_unref(reply);
        return r;
    });
}

int method_create_resource(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return bus_method<const char*, const char*, const char*, std::uint64_t>(
        m, error, [&](const char* name, const char* disk, const char* device, std::uint64_t size) {
            c.create_resource(name, disk, device, size);
            c.state_changed();
            return sd_bus_reply_method_return(m, "o", resource_path(name).c_str());
        });
}

int method_join_resource(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return bus_method<const char*, const char*, const char*>(
        m, error, [&](const char* name, const char* disk, const char* device) {
            c.join_resource(name, disk, device);
            c.state_changed();
            return sd_bus_reply_method_return(m, "o", resource_path(name).c_str());
        });
}

int method_set_link(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return command_method<const char*, const char*>(m, error, c, [&](const char* key, const char* value) {
        auto e = c.tree.set(key, value);
        util::log(util::Priority::info, "set-link " + e.key + " -> " + e.value);
    });
}

int method_get_link(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return bus_method<const char*>(m, error, [&](const char* key) {
        tree::Entry e = existing_entry(c, key);
        return sd_bus_reply_method_return(m, "st", e.value.c_str(), static_cast<uint64_t>(e.stamp));
    });
}

int method_delete_file(sd_bus_message* m, void* userdata, sd_bus_error* error)
{
    auto& c = self(userdata).context();
    return command_method<const char*>(m, error, c, [&](const char* key) {
        existing_entry(c, key);
        c.tree.remove(key);
        util::log(util::Priority::info, std::string("delete-file ") + key);
    });
}

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Host", "s", get_host, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("ClusterUuid", "s", get_uuid, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Home", "s", get_home, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Peers", "a(ssb)", get_peers, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_METHOD_WITH_ARGS("CreateCluster", SD_BUS_ARGS("s", address), SD_BUS_NO_RESULT, method_create_cluster,
                            0),
    SD_BUS_METHOD_WITH_ARGS("JoinCluster", SD_BUS_ARGS("s", host, "s", address), SD_BUS_NO_RESULT,
                            method_join_cluster, 0),
    SD_BUS_METHOD_WITH_ARGS("LeaveCluster", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_leave_cluster, 0),
    SD_BUS_METHOD_WITH_ARGS("UpdateCluster", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_update_cluster, 0),
    SD_BUS_METHOD_WITH_ARGS("ListResources", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(so)", resources),
                            method_list_resources, 0),
    SD_BUS_METHOD_WITH_ARGS("CreateResource", SD_BUS_ARGS("s", name, "s", disk, "s", device, "t", size),
                            SD_BUS_RESULT("o", resource), method_create_resource, 0),
    SD_BUS_METHOD_WITH_ARGS("JoinResource", SD_BUS_ARGS("s", name, "s", disk, "s", device),
                            SD_BUS_RESULT("o", resource), method_join_resource, 0),
    SD_BUS_METHOD_WITH_ARGS("SetLink", SD_BUS_ARGS("s", key, "s", value), SD_BUS_NO_RESULT, method_set_link,
                            0),
    SD_BUS_METHOD_WITH_ARGS("GetLink", SD_BUS_ARGS("s", key), SD_BUS_RESULT("s", value, "t", stamp),
                            method_get_link, 0),
    SD_BUS_METHOD_WITH_ARGS("DeleteFile", SD_BUS_ARGS("s", key), SD_BUS_NO_RESULT, method_delete_file,
                            0),
    SD_BUS_VTABLE_END,
};

} // namespace

ManagerObject::ManagerObject(sd_bus* bus, ManagerContext context) : bus_(bus), ctx_(std::move(context))
{
    int r = sd_bus_add_object_vtable(bus_, &slot_, kManagerPath, kManagerInterface, kVtable, this);
    if (r < 0)
        util::throw_errno(-r, "registering D-Bus object " + std::string(kManagerPath));
    last_uuid_ = ctx_.cluster.uuid().value_or("");
    last_peers_ = peers_fingerprint(ctx_);
}

ManagerObject::~ManagerObject() { sd_bus_slot_unref(slot_); }

void ManagerObject::publish_changes()
{
    std::string uuid = ctx_.cluster.uuid().value_or("");
    std::string peers = peers_fingerprint(ctx_);
    if (uuid != last_uuid_) {
        last_uuid_ = uuid;
        sd_bus_emit_properties_changed(bus_, kManagerPath, kManagerInterface, "ClusterUuid", nullptr);
    }
    if (peers != last_peers_) {
        last_peers_ = peers;
        sd_bus_emit_properties_changed(bus_, kManagerPath, kManagerInterface, "Peers", nullptr);
    }
}

} // namespace mars::marsd
