#include "resource_client.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <optional>

namespace mars::marsadm {
namespace {

// sd-bus's answers for a path nobody serves, and for a method this marsd
// does not have (an older daemon than marsadm).
bool is_unknown_object(const BusError& e)
{
    return e.name() == "org.freedesktop.DBus.Error.UnknownObject" || e.name() == "org.mars.Mars1.Error.NotFound";
}

bool is_unknown_method(const BusError& e)
{
    return e.name() == "org.freedesktop.DBus.Error.UnknownMethod" ||
           e.name() == "org.freedesktop.DBus.Error.UnknownInterface";
}

[[noreturn]] void rethrow_for(const BusError& e, const std::string& name, const char* method)
{
    if (is_unknown_object(e))
        throw BusError(e.name(), "no resource '" + name + "' here (see 'marsadm view all')");
    if (is_unknown_method(e))
        throw BusError(e.name(), std::string("marsd does not know ") + method + " (is it older than marsadm?)");
    throw e;
}

[[noreturn]] void malformed(const std::string& what)
{
    throw BusError("", "marsd sent a malformed " + what);
}

template <typename T> T read_basic(sd_bus_message* m, char type)
{
    T v{};
    if (sd_bus_message_read_basic(m, type, &v) < 0)
        malformed("property value");
    return v;
}

// One property value of signature `sig`; nullopt (and skipped) for types
// marsadm does not show.
std::optional<nlohmann::json> read_value(sd_bus_message* m, const std::string& sig)
{
    if (sig == "s" || sig == "o" || sig == "g") {
        const char* s = read_basic<const char*>(m, sig[0]);
        return nlohmann::json(s ? s : "");
    }
    if (sig == "t")
        return nlohmann::json(read_basic<std::uint64_t>(m, 't'));
    if (sig == "u")
        return nlohmann::json(read_basic<std::uint32_t>(m, 'u'));
    if (sig == "x")
        return nlohmann::json(read_basic<std::int64_t>(m, 'x'));
    if (sig == "i")
        return nlohmann::json(read_basic<std::int32_t>(m, 'i'));
    if (sig == "d")
        return nlohmann::json(read_basic<double>(m, 'd'));
    if (sig == "b")
        return nlohmann::json(read_basic<int>(m, 'b') != 0);
    if (sig == "as") {
        nlohmann::json a = nlohmann::json::array();
        if (sd_bus_message_enter_container(m, 'a', "s") < 0)
            malformed("string array");
        const char* s = nullptr;
        int r;
        while ((r = sd_bus_message_read_basic(m, 's', &s)) > 0)
            a.push_back(s);
        if (r < 0 || sd_bus_message_exit_container(m) < 0)
            malformed("string array");
        return a;
    }
    if (sig == "a{sb}") {
        nlohmann::json o = nlohmann::json::object();
        if (sd_bus_message_enter_container(m, 'a', "{sb}") < 0)
            malformed("a{sb} dictionary");
        const char* k = nullptr;
        int b = 0;
        int r;
        while ((r = sd_bus_message_read(m, "{sb}", &k, &b)) > 0)
            o[k] = b != 0;
        if (r < 0 || sd_bus_message_exit_container(m) < 0)
            malformed("a{sb} dictionary");
        return o;
    }
    if (sd_bus_message_skip(m, sig.c_str()) < 0)
        malformed("property value");
    return std::nullopt;
}

nlohmann::json read_property_dict(sd_bus_message* m)
{
    nlohmann::json out = nlohmann::json::object();
    if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
        malformed("property set");
    int r;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key = nullptr;
        const char* contents = nullptr;
        if (sd_bus_message_read_basic(m, 's', &key) < 0 || sd_bus_message_peek_type(m, nullptr, &contents) < 0 ||
            !contents || sd_bus_message_enter_container(m, 'v', contents) < 0)
            malformed("property set");
        if (auto v = read_value(m, contents))
            out[key] = std::move(*v);
        if (sd_bus_message_exit_container(m) < 0 || sd_bus_message_exit_container(m) < 0)
            malformed("property set");
    }
    if (r < 0 || sd_bus_message_exit_container(m) < 0)
        malformed("property set");
    return out;
}

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

void call_resource(BusClient& bus, const std::string& name, const char* method, std::uint64_t timeout_usec)
{
    const std::string path = resource_path(name);
    try {
        ReplyGuard r{bus.call_object(timeout_usec, path.c_str(), kResourceInterface, method, "")};
    } catch (const BusError& e) {
        rethrow_for(e, name, method);
    }
}

void call_resource_bool(BusClient& bus, const std::string& name, const char* method, bool arg,
                        std::uint64_t timeout_usec)
{
    const std::string path = resource_path(name);
    try {
        ReplyGuard r{bus.call_object(timeout_usec, path.c_str(), kResourceInterface, method, "b", int{arg})};
    } catch (const BusError& e) {
        rethrow_for(e, name, method);
    }
}

nlohmann::json read_resource_properties(BusClient& bus, const std::string& name)
{
    const std::string path = resource_path(name);
    try {
        ReplyGuard r{
            bus.call_object(0, path.c_str(), "org.freedesktop.DBus.Properties", "GetAll", "s", kResourceInterface)};
        return read_property_dict(r.m);
    } catch (const BusError& e) {
        rethrow_for(e, name, "GetAll");
    }
}

std::vector<std::string> list_resources(BusClient& bus)
{
    ReplyGuard r{bus.call("ListResources", "")};
    std::vector<std::string> names;
    if (sd_bus_message_enter_container(r.m, 'a', "(so)") < 0)
        malformed("ListResources answer");
    const char *name = nullptr, *path = nullptr;
    int rc;
    while ((rc = sd_bus_message_read(r.m, "(so)", &name, &path)) > 0)
        names.push_back(name);
    if (rc < 0)
        malformed("ListResources answer");
    std::sort(names.begin(), names.end());
    return names;
}

std::string this_host(BusClient& bus)
{
    ReplyGuard r{bus.property("Host", "s")};
    const char* s = nullptr;
    if (sd_bus_message_read(r.m, "s", &s) < 0 || !s)
        malformed("Host property");
    return s;
}

std::vector<std::string> local_resources(BusClient& bus)
{
    const std::string host = this_host(bus);
    std::vector<std::string> out;
    for (const auto& name : list_resources(bus)) {
        auto members = read_resource_properties(bus, name).value("Members", nlohmann::json::array());
        if (std::find(members.begin(), members.end(), host) != members.end())
            out.push_back(name);
    }
    return out;
}

} // namespace mars::marsadm
