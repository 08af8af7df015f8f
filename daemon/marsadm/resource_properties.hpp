// The properties of one org.mars.Mars1.Resource object, as marsadm reads
// them (GetAll) and renders them. Kept free of D-Bus so that views and wait
// conditions can be tested from a property set alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mars::marsadm {

struct ResourceProperties {
    std::string name;
    std::uint64_t size = 0;
    std::string primary; // the designated primary, "" for none
    std::vector<std::string> members;
    std::string role;                 // None | Secondary | Primary | NotYetPrimary | RemainsPrimary
    std::string disk_state;           // MARS diskstate word, e.g. UpToDate, OutDated[FR]
    std::string repl_state;           // MARS replstate word, e.g. Replaying, Syncing
    std::string flags;                // six characters, "DCASFR" style
    std::string device;               // /dev/mars/<name> while served here, else ""
    std::string frontend;             // fuse | kmod | ublk | ""
    std::string disk;                 // this host's backing disk
    std::map<std::string, bool> todo; // attach, fetch, replay, sync
    std::string replay_position;
    std::string fetch_position;
    std::string primary_position;
    std::uint64_t fetch_lag = 0;
    std::uint64_t replay_lag = 0;
    double lag_seconds = 0;
    double sync_progress = 0; // 0..1
    std::uint64_t sync_remaining = 0;
    std::string split_brain;
    std::string last_error;
};

// From a JSON object keyed by the D-Bus property names ("DiskState", ...), as
// read_resource_properties produces it. Missing or mistyped entries keep
// their defaults, so a marsd that has not implemented a property yet still
// gives a view.
ResourceProperties properties_from_json(const nlohmann::json& j);

} // namespace mars::marsadm
