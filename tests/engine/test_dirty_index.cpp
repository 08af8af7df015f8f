// The dirty index against a byte-level model: which write owns each byte.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/dirty_index.hpp"
#include "engine/memory_budget.hpp"

using namespace mars;
using engine::Chunk;
using engine::DirtyExtent;
using engine::DirtyIndex;

namespace {

// A data chunk whose every byte says which write it belongs to.
std::shared_ptr<Chunk> chunk_of(std::uint64_t length, std::uint8_t id)
{
    auto c = Chunk::data(length, nullptr, 0);
    std::memset(c->bytes().data(), id, length);
    return c;
}

} // namespace

TEST(DirtyIndex, NewerWritesReplaceExactlyTheBytesTheyOverlap)
{
    DirtyIndex index;
    index.insert(0, chunk_of(4096, 1));
    index.insert(1024, chunk_of(1024, 2)); // splits write 1
    index.insert(3584, chunk_of(1024, 3)); // trims write 1, reaches past it
    EXPECT_EQ(index.dirty_bytes(), 4608u);
    auto all = index.extents();
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].offset, 0u);
    EXPECT_EQ(all[0].length, 1024u);
    EXPECT_EQ(all[1].offset, 1024u);
    EXPECT_EQ(all[2].offset, 2048u);
    EXPECT_EQ(all[2].length, 1536u);
    EXPECT_EQ(all[2].chunk_offset, 2048u);
    EXPECT_EQ(all[3].offset, 3584u);
    EXPECT_EQ(all[3].length, 1024u);

    auto part = index.lookup(1500, 1000); // clipped to the request
    ASSERT_EQ(part.size(), 2u);
    EXPECT_EQ(part[0].offset, 1500u);
    EXPECT_EQ(part[0].length, 548u);
    EXPECT_EQ(part[1].offset, 2048u);
    EXPECT_EQ(part[1].length, 452u);
    EXPECT_EQ(static_cast<std::uint8_t>(part[1].data()[0]), 1);
}

TEST(DirtyIndex, ForgetKeepsWhatWasOverwrittenSince)
{
    DirtyIndex index;
    index.insert(0, chunk_of(8192, 1));
    auto snapshot = index.extents();
    index.insert(4096, chunk_of(512, 2)); // arrives while "writeback" runs
    for (const auto& e : snapshot)
        index.forget(e);
    auto left = index.extents();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].offset, 4096u);
    EXPECT_EQ(left[0].length, 512u);
    EXPECT_EQ(index.dirty_bytes(), 512u);
}

TEST(DirtyIndex, RandomOperationsMatchAByteModel)
{
    // The model: for every device byte, which chunk and which byte of it
    // the index must return (or none: clean).
    using Owner = std::pair<const Chunk*, std::uint64_t>;
    constexpr std::uint64_t kSize = 64 * 1024;
    std::mt19937_64 rng(42);
    DirtyIndex index;
    std::vector<Owner> owner(kSize, Owner{nullptr, 0});
    auto insert = [&](std::uint64_t off, std::uint64_t len) {
        auto c = chunk_of(len, 1);
        for (std::uint64_t i = 0; i < len; ++i)
            owner[off + i] = {c.get(), i};
        index.insert(off, std::move(c));
    };
    for (int step = 0; step < 5000; ++step) {
        std::uint64_t off = rng() % (kSize / 512) * 512;
        std::uint64_t len = std::min<std::uint64_t>((1 + rng() % 32) * 512, kSize - off);
        if (rng() % 4 != 0) {
            insert(off, len);
        } else {
            // A snapshot extent is written back while a newer, maybe
            // overlapping write arrives; forgetting it must keep the newer.
            auto all = index.extents();
            if (all.empty())
                continue;
            const DirtyExtent e = all[rng() % all.size()];
            insert(off, len);
            index.forget(e);
            for (std::uint64_t i = e.offset; i < e.end(); ++i)
                if (owner[i].first == e.chunk.get())
                    owner[i] = {nullptr, 0};
        }
        if (step % 25 == 0 || step == 4999) {
            std::uint64_t dirty = 0;
            std::vector<Owner> seen(kSize, Owner{nullptr, 0});
            for (const auto& e : index.lookup(0, kSize)) {
                ASSERT_LE(e.end(), kSize);
                for (std::uint64_t i = 0; i < e.length; ++i)
                    seen[e.offset + i] = {e.chunk.get(), e.chunk_offset + i};
                dirty += e.length;
            }
            ASSERT_TRUE(seen == owner) << "step " << step;
            ASSERT_EQ(dirty, index.dirty_bytes());
        }
    }
}

TEST(DirtyIndex, ChunksGiveTheirMemoryBackWhenTheLastReferenceGoes)
{
    engine::MemoryBudget budget(1 << 20);
    ASSERT_TRUE(budget.reserve(4096 + Chunk::kOverhead));
    {
        DirtyIndex index;
        index.insert(0, Chunk::data(4096, &budget, 4096 + Chunk::kOverhead));
        index.insert(8192, Chunk::zeroes(1 << 30, nullptr, 0));
        EXPECT_EQ(budget.used(), 4096 + Chunk::kOverhead);
        index.insert(0, Chunk::zeroes(4096, nullptr, 0)); // fully overwritten: the data chunk goes
        EXPECT_EQ(budget.used(), 0u);
    }
}
