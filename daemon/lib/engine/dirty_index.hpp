// The dirty index: written-but-not-yet-written-back data, as an interval
// map keyed by device offset. It is what lets the primary acknowledge a
// write once its log record is durable, serve reads of that data from
// memory, and write back later, sorted and coalesced.
//
// Every accepted write is one immutable Chunk (its bytes, or "zeroes" for
// a discard / write-zeroes). The index maps disjoint device ranges to
// slices of chunks; a newer write replaces exactly the bytes it overlaps,
// splitting or trimming older extents. A chunk lives as long as an extent
// (or a writeback round, or the log writer) still refers to it; its memory
// goes back to the MemoryBudget when the last reference is gone.
//
// Not thread-safe: DirtyData wraps it with a lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "util/aligned_buffer.hpp"

namespace mars::engine {

class MemoryBudget;

class Chunk {
  public:
    // Per-chunk bookkeeping charged to the budget on top of the data, so
    // that even zero writes (which hold no data) are bounded in number.
    static constexpr std::size_t kOverhead = 256;

    // A data chunk of `length` uninitialised bytes (fill it via bytes()
    // before sharing it), or a zero chunk. `charged` bytes are released to
    // `budget` (if any) on destruction.
    static std::shared_ptr<Chunk> data(std::size_t length, MemoryBudget* budget, std::size_t charged);
    static std::shared_ptr<Chunk> zeroes(std::uint64_t length, MemoryBudget* budget, std::size_t charged);

    ~Chunk();
    Chunk(const Chunk&) = delete;
    Chunk& operator=(const Chunk&) = delete;

    bool is_zero() const { return zero_; }
    std::uint64_t length() const { return length_; }
    std::span<std::byte> bytes() { return bytes_.span(); }
    std::span<const std::byte> bytes() const { return bytes_.span(); }

  private:
    Chunk(std::uint64_t length, bool zero, MemoryBudget* budget, std::size_t charged);

    util::AlignedBuffer bytes_;
    std::uint64_t length_;
    bool zero_;
    MemoryBudget* budget_;
    std::size_t charged_;
};

// [offset, offset + length) of the device holds chunk bytes starting at
// chunk_offset (or zeroes).
struct DirtyExtent {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::shared_ptr<const Chunk> chunk;
    std::uint64_t chunk_offset = 0;

    std::uint64_t end() const { return offset + length; }
    bool is_zero() const { return chunk->is_zero(); }
    // The extent's bytes; only for data extents.
    const std::byte* data() const { return chunk->bytes().data() + chunk_offset; }
};

class DirtyIndex {
  public:
    // Records that [offset, offset + chunk->length()) now holds `chunk`.
    void insert(std::uint64_t offset, std::shared_ptr<const Chunk> chunk);

    // The extents overlapping [offset, offset + length), clipped to it, in
    // ascending order; the gaps between them are not dirty.
    std::vector<DirtyExtent> lookup(std::uint64_t offset, std::uint64_t length) const;

    // Every extent, in ascending order (a writeback snapshot).
    std::vector<DirtyExtent> extents() const;

    // Removes what of `written` the index still holds: the parts of its
    // range that still refer to the same chunk. Parts overwritten since
    // belong to newer writes and stay.
    void forget(const DirtyExtent& written);

    bool empty() const { return map_.empty(); }
    std::size_t extent_count() const { return map_.size(); }
    std::uint64_t dirty_bytes() const { return bytes_; }

  private:
    struct Slice {
        std::uint64_t length;
        std::shared_ptr<const Chunk> chunk;
        std::uint64_t chunk_offset;
    };
    using Map = std::map<std::uint64_t, Slice>; // key: device offset

    // Makes `at` an extent boundary (splitting the extent covering it).
    Map::iterator split(std::uint64_t at);
    void erase(Map::iterator first, Map::iterator last);

    Map map_;
    std::uint64_t bytes_ = 0;
};

} // namespace mars::engine
