// The conditions marsadm wait-resource waits for, decided on a property set
// alone (no D-Bus here, so each rule is unit-tested).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "resource_properties.hpp"

namespace mars::marsadm {

enum class WaitCondition {
    attached,    // the A flag is upper case: the disk is open
    detached,    // the A flag is '-': the disk is closed
    primary,     // Role == Primary
    secondary,   // Role == Secondary
    device,      // Device != "": /dev/mars/<name> is served here
    device_off,  // Device == ""
    uptodate,    // DiskState == UpToDate
    synced,      // SyncRemaining == 0 and SyncProgress >= 1
    caught_up,   // no fetch or replay lag, replay position at the primary's (or fetched) end
    replicating, // ReplState Replicating (primary) or Replaying (secondary)
};

// "caught-up" -> caught_up; nullopt for an unknown name.
std::optional<WaitCondition> parse_wait_condition(std::string_view name);

// All condition names, "attached, detached, ...", for messages and help.
std::string wait_condition_names();

std::string_view wait_condition_name(WaitCondition c);

bool condition_holds(WaitCondition c, const ResourceProperties& p);

// The properties the condition looks at, as "Role Secondary, Device ''", for
// the message when the timeout passes.
std::string condition_evidence(WaitCondition c, const ResourceProperties& p);

} // namespace mars::marsadm
