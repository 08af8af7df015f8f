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
    static constexpr const char* kService = "org.mars.Mars1";
    static constexpr const char* kManagerPath = "/org/mars/Mars1";
    static constexpr const char* kManagerInterface = "org.mars.Mars1.Manager";

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
        return call_with_timeout(0, member, types, args...);
    }

    // The same with a reply timeout in microseconds (0: sd-bus's default of 25 s),
    // for calls that wait for the network.
    template <typename... Args>
    sd_bus_message* call_with_timeout(uint64_t usec, const char* member, const char* types, Args... args)
    {
        return call_object(usec, kManagerPath, kManagerInterface, member, types, args...);
    }

    // Calls a method on any marsd object (a resource object, or
    // org.freedesktop.DBus.Properties on one), with a reply timeout as above.
    template <typename... Args>
    sd_bus_message* call_object(uint64_t usec, const char* path, const char* interface, const char* member,
                                const char* types, Args... args)
    {
        sd_bus_message* call = nullptr;
        int r = sd_bus_message_new_method_call(bus_, &call, kService, path, interface, member);
        if (r >= 0)
            r = sd_bus_message_append(call, types, args...);
        if (r < 0) {
            sd_bus_message_unref(call);
            throw BusError("", std::string("building the ") + member + " call failed");
        }
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message* reply = nullptr;
        r = sd_bus_call(bus_, call, usec, &error, &reply);
        sd_bus_message_unref(call);
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
