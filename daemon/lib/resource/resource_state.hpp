// Resource-level meaning of the state tree (mars-reference §3.2): what
// create-/join-/leave-/delete-resource write under resource-<res>/, and
// the progress this host publishes there. Only this host's own entries and
// the shared ones (size, primary, maxnr) are ever written here; a peer's
// entries arrive by gossip.
//
// Versionlink values are opaque strings here; their meaning (digests, the
// hash chain) belongs to the versionlink code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "resource/replay_link.hpp"
#include "resource/resource_error.hpp"
#include "resource/resource_keys.hpp"
#include "tree/state_tree.hpp"

namespace mars::resource {

// One member's entries, as the tree holds them now.
struct HostEntry {
    std::string disk;                 // data-<host>
    std::string device;               // device-<host>
    std::uint64_t actual_size = 0;    // actsize-<host>
    std::optional<ReplayLink> replay; // replay-<host>; nullopt if absent or unreadable
    std::optional<std::uint64_t> syncstatus;
    std::string syncpos;                           // raw value, "" if none
    std::map<Switch, bool> todo;                   // all four switches; a missing key reads as on
    std::map<std::string, std::string> actual;     // actual-<host>/<name> -> value
    std::map<std::uint32_t, std::string> versions; // version-<N>-<host> raw values by N
};

struct ResourceInfo {
    std::string name;
    std::uint64_t size = 0;
    std::string primary; // designated primary; "" when absent or "(none)"
    std::uint32_t maxnr = 0;
    // Members only: hosts with a live data-<host>. Stray entries of other
    // hosts (a half-finished leave seen by gossip) are ignored.
    std::map<std::string, HostEntry> hosts;

    bool is_member(const std::string& host) const;
    bool todo(const std::string& host, Switch s) const; // on unless a member's switch says off
};

class ResourceState {
  public:
    // Throws std::invalid_argument for an invalid host name.
    ResourceState(tree::StateTree& tree, std::string own_host);

    const std::string& own_host() const { return own_host_; }
    // Where this host keeps the resource's logfiles.
    std::filesystem::path directory(const std::string& res) const;

    // Resources present in the tree: those with a live size or data- entry.
    std::vector<std::string> names() const;
    // nullopt if `res` is not present (or not a valid name).
    std::optional<ResourceInfo> info(const std::string& res) const;

    // create-resource. Refuses (ResourceError) a bad resource name or
    // device name, a relative disk path, an existing resource, size 0, and
    // a disk smaller than `size`. Seeds size, primary = this host, maxnr = 1,
    // data-/device-/actsize-<own>, replay-<own> = log-000000001-<own>,0,0,1
    // and the todo switches on. Writes no versionlink and no logfile.
    // An empty `device` means the resource name.
    void create(const std::string& res, const std::filesystem::path& disk, const std::string& device,
                std::uint64_t size, std::uint64_t disk_size);
    // join-resource. Refuses an unknown resource, one without designated
    // primary, a host that is a member already, and disk_size < size.
    // Writes data-/device-/actsize-<own>, replay-<own> = `start` (the
    // primary's replay link), syncstatus-<own> = 0 and the todo switches on.
    void join(const std::string& res, const std::filesystem::path& disk, const std::string& device,
              std::uint64_t disk_size, const ReplayLink& start);
    // leave-resource. Refuses a non-member, and the designated primary
    // while other members remain. Tombstones every entry this host owns in
    // the resource; the logfiles and the disk stay.
    void leave(const std::string& res);
    // delete-resource. Refuses an unknown resource, and while members other
    // than this host remain unless `force`. Tombstones every live entry
    // under resource-<res>/ (logfiles are files, not entries: the caller
    // removes them).
    void remove(const std::string& res, bool force);

    // The writers below need this host to be a member (ResourceError
    // otherwise): a host that left must not bring its entries back.
    void set_switch(const std::string& res, Switch s, bool on);
    void publish_replay(const std::string& res, const ReplayLink& link, tree::Durability durability);
    void publish_version(const std::string& res, std::uint32_t number, const std::string& value); // proof
    void remove_version(const std::string& res, std::uint32_t number);                            // own link; proof
    void set_syncstatus(const std::string& res, std::uint64_t bytes);                             // proof
    void set_syncpos(const std::string& res, const std::string& value);                           // proof
    // actual-<own>/<name>, normal durability, written only when the value
    // differs (each write is gossip traffic). Returns whether it wrote.
    bool set_actual(const std::string& res, std::string_view name, const std::string& value);

    // Shared entries; the resource must exist.
    void set_maxnr(const std::string& res, std::uint32_t number); // only ever raises it; proof
    // `host` must be a member; "" writes "(none)" with a deliberately weak
    // stamp (the old one + 1) so that a concurrent real primary wins.
    void set_primary(const std::string& res, const std::string& host);

  private:
    void check_name(const std::string& res) const;
    void require_present(const std::string& res) const;
    void require_member(const std::string& res) const;
    std::string check_device(const std::string& res, const std::string& device) const;
    void write_member_entries(const std::string& res, const std::filesystem::path& disk, const std::string& device,
                              std::uint64_t disk_size, const ReplayLink& replay);

    tree::StateTree& tree_;
    std::string own_host_;
};

} // namespace mars::resource
