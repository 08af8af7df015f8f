// What this host knows about its part in one resource: the values behind
// `marsadm view` and the D-Bus Resource properties (docs/dbus-api.md).
// Roles fill in what they know; ResourceManager adds what the tree says.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace mars::replication {

struct ResourceStatus {
    std::string role = "None"; // None | Secondary | Primary | NotYetPrimary | RemainsPrimary
    std::string disk_state = "NotJoined";
    std::string repl_state = "NotJoined";
    std::string flags = "------";     // DCASFR, see flags_of()
    std::string device;               // /dev/mars/<name> while served here
    std::string frontend;             // fuse | kmod | ublk | ""
    std::string disk;                 // backing disk of this host
    std::map<std::string, bool> todo; // attach, fetch, replay, sync
    std::string replay_position;      // replay-link syntax
    std::string fetch_position;       // end of the newest local logfile
    std::string primary_position;     // the primary's newest log position we know of
    std::uint64_t fetch_lag = 0;      // bytes the primary has that we have not fetched
    std::uint64_t replay_lag = 0;     // bytes fetched, not yet replayed
    double lag_seconds = 0;
    double sync_progress = 1.0;       // 0..1
    std::uint64_t sync_remaining = 0; // bytes
    std::string split_brain;          // "" or what diverges
    std::string last_error;           // "" or the last failure

    friend bool operator==(const ResourceStatus&, const ResourceStatus&) = default;
};

// MARS's six flag characters: disk/device, consistency, attach, sync,
// fetch, replay. Upper case = on or done, lower case = in progress or
// uncertain, '-' = off.
struct FlagInputs {
    char device = '-';
    char consistency = '-';
    char attach = '-';
    char sync = '-';
    char fetch = '-';
    char replay = '-';
};
std::string flags_of(const FlagInputs& f);

} // namespace mars::replication
