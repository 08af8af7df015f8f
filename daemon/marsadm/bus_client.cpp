#include "bus_client.hpp"

#include <cstring>
#include <string_view>

namespace mars::marsadm {

BusClient::BusClient()
{
    int r = sd_bus_open_system(&bus_);
    if (r < 0)
        throw BusError("", std::string("cannot connect to the system bus: ") + std::strerror(-r) +
                               " (is dbus running?)");
}

BusClient::~BusClient() { sd_bus_flush_close_unref(bus_); }

void BusClient::fail(const char* what, int r, sd_bus_error& error)
{
    std::string name = error.name ? error.name : "";
    std::string message = error.message ? error.message : std::strerror(-r);
    sd_bus_error_free(&error);
    if (name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner")
        throw BusError(name, "marsd is not running (start it with 'systemctl start marsd')");
    if (name == "org.freedesktop.DBus.Error.AccessDenied" || r == -EACCES || r == -EPERM)
        throw BusError(name, std::string(what) + ": permission denied (run marsadm as root)");
    throw BusError(name, message);
}

sd_bus_message* BusClient::property(const char* name, const char* type)
{
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_get_property(bus_, kService, kManagerPath, kManagerInterface, name, &error, &reply, type);
    if (r < 0)
        fail(name, r, error);
    return reply;
}

} // namespace mars::marsadm
