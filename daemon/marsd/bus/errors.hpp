// Named D-Bus errors of org.mars.Mars1, and the mapping from C++ exceptions.
#pragma once

#include <systemd/sd-bus.h>

#include <stdexcept>

namespace mars::marsd::bus_errors {

inline constexpr const char* kInvalidArgument = "org.mars.Mars1.Error.InvalidArgument";
inline constexpr const char* kNotInCluster = "org.mars.Mars1.Error.NotInCluster";
inline constexpr const char* kAlreadyInCluster = "org.mars.Mars1.Error.AlreadyInCluster";
inline constexpr const char* kNotFound = "org.mars.Mars1.Error.NotFound";
inline constexpr const char* kFailed = "org.mars.Mars1.Error.Failed";
// A resource request the state does not allow ("not a member", "disk too small").
inline constexpr const char* kRefused = "org.mars.Mars1.Error.Refused";
// The device is mounted or open.
inline constexpr const char* kBusy = "org.mars.Mars1.Error.Busy";

// Thrown by command code for "no such entry/resource"; becomes kNotFound.
class NotFound : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Runs `body`; turns the exceptions a command may throw into named errors
// with their text. Returns what an sd-bus method handler returns.
template <typename Body> int translate_errors(sd_bus_error* error, Body&& body);

} // namespace mars::marsd::bus_errors

#include "bus/errors_impl.hpp"
