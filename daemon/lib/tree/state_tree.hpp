// The replicated state tree under /mars, as in the original MARS: one
// symlink per key, its target the value, its mtime (ns) the Lamport stamp.
// Admins can read it with `ls -l --time-style=full-iso`; peers exchange it
// entry by entry, and per key the strictly newest stamp wins.
//
// This class owns every read and write of those symlinks. A write goes
// `.tmp.<...>` -> utimensat(AT_SYMLINK_NOFOLLOW) -> rename(), so no reader
// and no crash ever sees half an entry; entries that later serve as proof
// (versionlinks, replay links at logfile switches, syncpos, syncstatus,
// primary) additionally fsync their directory and its ancestors before
// set() returns.
//
// Deletions are tombstones: the value ".deleted" with a fresh stamp. They
// spread like any update and read as absent; purge_tombstones() unlinks
// them once every peer has surely seen them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tree/lamport_clock.hpp"

namespace mars::tree {

inline constexpr std::string_view kTombstone = ".deleted";

struct Entry {
    std::string key;   // path below the root, e.g. "resource-r0/primary"
    std::string value; // symlink target
    std::uint64_t stamp = 0;

    bool is_tombstone() const { return value == kTombstone; }
    friend bool operator==(const Entry&, const Entry&) = default;
};

enum class Durability {
    normal, // atomic; may be lost in a power failure (re-derived later)
    proof,  // atomic and durable (directory fsynced) before the call returns
};

enum class MergeResult {
    applied,        // the remote entry was newer and is now ours
    not_newer,      // ours is as new or newer: nothing changed
    future_stamp,   // the stamp lies too far in the future: refused
    invalid,        // bad key or value: refused
};

// Empty string if `key` may name an entry, else why not.
std::string check_key(std::string_view key);
// Empty string if `value` may be stored, else why not.
std::string check_value(std::string_view value);

class StateTree {
public:
    // Loads the index of every symlink below `root` (which must exist) and
    // removes leftovers of writes a crash interrupted (.tmp.* names).
    StateTree(std::filesystem::path root, LamportClock& clock);

    const std::filesystem::path& root() const { return root_; }

    // The live entry for `key`; nullopt if absent or deleted.
    std::optional<Entry> get(std::string_view key) const;
    // Including tombstones.
    std::optional<Entry> get_raw(std::string_view key) const;

    // A local write with a fresh stamp. Throws std::invalid_argument for a
    // bad key or value, std::system_error (naming the path) on I/O errors.
    Entry set(std::string_view key, std::string_view value, Durability durability = Durability::normal);
    // Deletes by writing a tombstone with a fresh stamp.
    Entry remove(std::string_view key, Durability durability = Durability::normal);

    // Last writer wins: takes `remote` (keeping its stamp) only when we do
    // not have the key or have it with a strictly older stamp.
    MergeResult merge(const Entry& remote, Durability durability = Durability::normal);

    // Entries (tombstones included) with a stamp greater than `stamp`, oldest
    // first, optionally only below `prefix` ("resource-r0/").
    std::vector<Entry> newer_than(std::uint64_t stamp, std::string_view prefix = {}) const;

    // Incremental gossip. Every change to this tree (local write or merge)
    // gets the next number of a local change counter; a peer remembers the
    // counter it has seen and asks only for what changed since. Stamps
    // cannot serve as that cursor: an entry merged here late keeps its old
    // stamp and would be missed. The counter restarts with the process, so
    // it comes with an epoch (random per StateTree) that tells a peer to
    // start again from zero.
    struct Changes {
        std::uint64_t epoch = 0;
        std::uint64_t cursor = 0; // the counter value the answer covers
        std::vector<Entry> entries;
        bool complete = true; // false: `limit` was reached, ask again from `cursor`
    };
    // Costs O(log n + answer).
    Changes changed_since(std::uint64_t cursor, std::size_t limit = SIZE_MAX) const;
    std::uint64_t epoch() const { return epoch_; }

    // Live entries whose key starts with `prefix`, in key order.
    std::vector<Entry> list(std::string_view prefix) const;

    // Unlinks tombstones stamped before `older_than`. Returns how many.
    std::size_t purge_tombstones(std::uint64_t older_than);

    std::size_t size() const;

private:
    void load(const std::filesystem::path& dir, const std::string& prefix);
    void write_symlink(const Entry& e, Durability durability);
    void ensure_directory(const std::filesystem::path& dir);
    void make_durable(const std::filesystem::path& dir);
    void index(const Entry& e);

    std::filesystem::path root_;
    LamportClock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Entry, std::less<>> by_key_;
    std::set<std::pair<std::uint64_t, std::string>> by_stamp_;
    std::map<std::uint64_t, std::string> by_change_; // change counter -> key, one per key
    std::map<std::string, std::uint64_t, std::less<>> change_of_;
    std::uint64_t change_counter_ = 0;
    std::uint64_t epoch_ = 0;
    std::uint64_t tmp_counter_ = 0;
};

} // namespace mars::tree
