// Every state-tree key of a resource (mars-reference §3.2), built in one
// place so that no other file spells "resource-" or "todo-" by hand.
//
// The functions only assemble names; validating resource and host names is
// the caller's job (ResourceState does it). Call them qualified
// (keys::size, keys::data): unqualified, argument-dependent lookup would
// also find std::size and std::data for a std::string argument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mars::resource {

// The desired-state switches under todo-<host>/. A missing switch means on,
// as in MARS, so a host that never wrote one runs normally.
enum class Switch {
    attach, // todo-<host>/attach: open the backing disk
    fetch,  // todo-<host>/connect: fetch logfiles from the primary
    replay, // todo-<host>/allow-replay: apply fetched logfiles to the disk
    sync,   // todo-<host>/sync: full sync when needed
};

inline constexpr Switch kAllSwitches[] = {Switch::attach, Switch::fetch, Switch::replay, Switch::sync};

// The key name under todo-<host>/: "attach", "connect", "allow-replay", "sync".
std::string_view switch_name(Switch s);

namespace keys {

using resource::Switch;
using resource::switch_name;

inline constexpr std::string_view kDirPrefix = "resource-";
// The value of `primary` when no host is designated.
inline constexpr std::string_view kNoPrimary = "(none)";
// The value of device-<host> for a guest without a local device.
inline constexpr std::string_view kNoDevice = "(none)";
// Switch values as MARS writes them.
inline constexpr std::string_view kOn = "1";
inline constexpr std::string_view kOff = "0";

std::string dir(std::string_view res); // resource-<res>

// Shared keys, settled by stamp.
std::string size(std::string_view res);
std::string primary(std::string_view res);
std::string maxnr(std::string_view res);

// Keys owned by one host.
std::string data(std::string_view res, std::string_view host);
std::string device(std::string_view res, std::string_view host);
std::string actsize(std::string_view res, std::string_view host);
std::string replay(std::string_view res, std::string_view host);
std::string version(std::string_view res, std::uint32_t number, std::string_view host); // version-000000003-<host>
std::string syncstatus(std::string_view res, std::string_view host);
std::string syncpos(std::string_view res, std::string_view host);
std::string todo_dir(std::string_view res, std::string_view host); // resource-<res>/todo-<host>
std::string todo(std::string_view res, std::string_view host, Switch s);
std::string actual_dir(std::string_view res, std::string_view host); // resource-<res>/actual-<host>
std::string actual(std::string_view res, std::string_view host, std::string_view name);

// What a key below resource-<res>/ means: the inverse of the builders
// above, for reading a resource back and for finding one host's entries.
enum class Field {
    size,
    primary,
    maxnr,
    data,
    device,
    actsize,
    replay,
    version, // `number` set
    syncstatus,
    syncpos,
    todo,       // `name` = the switch name
    actual,     // `name` = what follows actual-<host>/
    host_other, // another entry owned by `host` (skip-check-, todo-<host>/exports, local-<host>/...)
    other,      // shared or unknown: logfile tombstones, systemd-*, userspace/...
};

struct KeyName {
    std::string res;
    Field field = Field::other;
    std::string host; // owner, for per-host fields
    std::uint32_t number = 0;
    std::string name;
};

// nullopt unless `key` lies below resource-<res>/ with a valid resource
// name. A per-host name whose host part is not a valid host name reads as
// Field::other: host names may contain '-', so only the known prefixes
// tell where the host part starts.
std::optional<KeyName> parse(std::string_view key);

} // namespace keys
} // namespace mars::resource
