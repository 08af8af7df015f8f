#include "engine/dirty_index.hpp"

#include <algorithm>

#include "engine/memory_budget.hpp"

namespace mars::engine {

Chunk::Chunk(std::uint64_t length, bool zero, MemoryBudget* budget, std::size_t charged)
    : bytes_(util::AlignedBuffer::uninitialised(zero ? 0 : static_cast<std::size_t>(length))), length_(length),
      zero_(zero), budget_(budget), charged_(charged)
{
}

Chunk::~Chunk()
{
    if (budget_)
        budget_->release(charged_);
}

std::shared_ptr<Chunk> Chunk::data(std::size_t length, MemoryBudget* budget, std::size_t charged)
{
    return std::shared_ptr<Chunk>(new Chunk(length, false, budget, charged));
}

std::shared_ptr<Chunk> Chunk::zeroes(std::uint64_t length, MemoryBudget* budget, std::size_t charged)
{
    return std::shared_ptr<Chunk>(new Chunk(length, true, budget, charged));
}

DirtyIndex::Map::iterator DirtyIndex::split(std::uint64_t at)
{
    auto it = map_.lower_bound(at);
    if (it != map_.end() && it->first == at)
        return it;
    if (it == map_.begin())
        return it;
    auto prev = std::prev(it);
    const std::uint64_t prev_end = prev->first + prev->second.length;
    if (prev_end <= at)
        return it;
    // `prev` covers `at`: cut it in two.
    const std::uint64_t head = at - prev->first;
    Slice tail{prev->second.length - head, prev->second.chunk, prev->second.chunk_offset + head};
    prev->second.length = head;
    return map_.emplace_hint(it, at, std::move(tail));
}

void DirtyIndex::erase(Map::iterator first, Map::iterator last)
{
    for (auto it = first; it != last; ++it)
        bytes_ -= it->second.length;
    map_.erase(first, last);
}

void DirtyIndex::insert(std::uint64_t offset, std::shared_ptr<const Chunk> chunk)
{
    const std::uint64_t length = chunk->length();
    if (length == 0)
        return;
    const std::uint64_t end = offset + length;
    auto first = split(offset);
    auto last = split(end);
    // split(end) may have created the node at `offset`'s successor; find
    // the range again from the boundaries, which are now exact.
    first = map_.lower_bound(offset);
    erase(first, last);
    map_.emplace_hint(last, offset, Slice{length, std::move(chunk), 0});
    bytes_ += length;
}

std::vector<DirtyExtent> DirtyIndex::lookup(std::uint64_t offset, std::uint64_t length) const
{
    std::vector<DirtyExtent> out;
    const std::uint64_t end = offset + length;
    auto it = map_.upper_bound(offset);
    if (it != map_.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second.length > offset)
            it = prev;
    }
    for (; it != map_.end() && it->first < end; ++it) {
        const std::uint64_t from = std::max(offset, it->first);
        const std::uint64_t to = std::min(end, it->first + it->second.length);
        out.push_back({from, to - from, it->second.chunk, it->second.chunk_offset + (from - it->first)});
    }
    return out;
}

std::vector<DirtyExtent> DirtyIndex::extents() const
{
    std::vector<DirtyExtent> out;
    out.reserve(map_.size());
    for (const auto& [offset, s] : map_)
        out.push_back({offset, s.length, s.chunk, s.chunk_offset});
    return out;
}

void DirtyIndex::forget(const DirtyExtent& written)
{
    // Extents of the same chunk within the written range are pieces of it
    // (a chunk's bytes are never moved to other device offsets), so they
    // are on the disk now. Anything else in the range is newer.
    auto it = map_.upper_bound(written.offset);
    if (it != map_.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second.length > written.offset)
            it = prev;
    }
    while (it != map_.end() && it->first < written.end()) {
        if (it->second.chunk != written.chunk) {
            ++it;
            continue;
        }
        // Trim to the written range: a piece of this chunk outside it (not
        // possible today, as writeback snapshots whole extents) would stay.
        const std::uint64_t from = std::max(written.offset, it->first);
        const std::uint64_t to = std::min(written.end(), it->first + it->second.length);
        auto first = split(from);
        auto last = split(to);
        first = map_.lower_bound(from);
        erase(first, last);
        it = map_.lower_bound(to);
    }
}

} // namespace mars::engine
