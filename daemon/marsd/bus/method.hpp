// The shape every D-Bus method handler of marsd shares: read the arguments,
// run the command with its exceptions turned into named errors, answer.
//
//     return bus_method<const char*>(m, error, [&](const char* key) {
//         return sd_bus_reply_method_return(m, "s", lookup(key).c_str());
//     });
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <tuple>

#include "bus/errors.hpp"

namespace mars::marsd {

// The D-Bus type code of an argument read into a T.
template <typename T> inline constexpr char kArgTypeCode = '\0';
template <> inline constexpr char kArgTypeCode<const char*> = 's';
template <> inline constexpr char kArgTypeCode<std::uint64_t> = 't';
// sd-bus reads a boolean into an int; no method takes a 32-bit integer.
template <> inline constexpr char kArgTypeCode<int> = 'b';

// Reads the call's arguments as Args... (their signature follows from the
// types), then runs body(args...) under translate_errors. `body` answers the
// call and returns what sd_bus_reply_method_return() returns.
template <typename... Args, typename Body> int bus_method(sd_bus_message* m, sd_bus_error* error, Body&& body)
{
    static_assert(((kArgTypeCode<Args> != '\0') && ...), "no D-Bus type code for an argument type");
    std::tuple<Args...> args{};
    if constexpr (sizeof...(Args) > 0) {
        static constexpr char kSignature[] = {kArgTypeCode<Args>..., '\0'};
        int r = std::apply([&](Args&... a) { return sd_bus_message_read(m, kSignature, &a...); }, args);
        if (r < 0)
            return r;
    }
    return bus_errors::translate_errors(error, [&] { return std::apply(body, args); });
}

// A method that changes the state and returns nothing: reads the arguments,
// runs command(args...), tells `context` the state changed, answers with an
// empty reply.
template <typename... Args, typename Context, typename Command>
int command_method(sd_bus_message* m, sd_bus_error* error, Context& context, Command&& command)
{
    return bus_method<Args...>(m, error, [&](Args... args) {
        command(args...);
        context.state_changed();
        return sd_bus_reply_method_return(m, "");
    });
}

} // namespace mars::marsd
