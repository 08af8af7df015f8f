// marsadm's connection to marsd over D-Bus (org.mars.Mars1 on the system
// bus; $DBUS_SYSTEM_BUS_ADDRESS selects another bus, as in tests).
#pragma once

#include <systemd/sd-bus.h>

#include <stdexcept>
#include <string>

namespace mars::marsadm {

// A failed call, with a message for the admin (one line).
class BusError : public std::runtime_error {
public:
    BusError(std::string name, const std::string& message) : std::runtime_error(message), name_(std::move(name)) {}
    const std::string& name() const { return name_; }

private:
    std::string name_;
};

class BusClient {
public:
    BusClient();
    ~BusClient();
    BusClient(const BusClient&) = delete;
    BusClient& operator=(const BusClient&) = delete;

    sd_bus* get() { return bus_; }

    // Calls a method on the manager object. `types` and the variadic
    // arguments are as for sd_bus_call_method. Returns the reply (caller
    // unrefs) or throws BusError.
    template <typename... Args>
    sd_bus_message* call(const char* member, const char* types, Args... args)
    {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message* reply = nullptr;
        int r = sd_bus_call_method(bus_, "org.mars.Mars1", "/org/mars/Mars1", "org.mars.Mars1.Manager", member,
                                   &error, &reply, types, args...);
        if (r < 0)
            fail(member, r, error);
        return reply;
    }

    // Reads a manager property into a reply message positioned at its value.
    sd_bus_message* property(const char* name, const char* type);

private:
    [[noreturn]] static void fail(const char* what, int r, sd_bus_error& error);

    sd_bus* bus_ = nullptr;
};

// Unrefs a reply message at scope end.
struct ReplyGuard {
    sd_bus_message* m;
    ~ReplyGuard() { sd_bus_message_unref(m); }
};

} // namespace mars::marsadm
