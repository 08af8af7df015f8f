#include "transfer/chunk_codec.hpp"

#include <zstd.h>

#include <new>
#include <string>

namespace mars::transfer {

namespace {
// Level 1: the link, not the CPU, should stay the bottleneck.
constexpr int kLevel = 1;
} // namespace

ChunkEncoder::ChunkEncoder(bool compress)
{
    if (compress) {
        cctx_ = ZSTD_createCCtx();
        if (!cctx_)
            throw std::bad_alloc();
    }
}

ChunkEncoder::~ChunkEncoder() { ZSTD_freeCCtx(cctx_); }

Chunk ChunkEncoder::encode(std::uint64_t offset, std::span<const std::byte> data)
{
    Chunk c;
    c.offset = offset;
    c.length = static_cast<std::uint32_t>(data.size());
    if (cctx_ && !data.empty()) {
        // Room for one byte less than the input: if zstd needs more, it does
        // not save anything and we send the plain bytes.
        c.data.resize(data.size() - 1);
        const std::size_t n = ZSTD_compressCCtx(cctx_, c.data.data(), c.data.size(), data.data(), data.size(), kLevel);
        if (!ZSTD_isError(n)) {
            c.data.resize(n);
            c.compressed = true;
            return c;
        }
    }
    c.data.assign(data.begin(), data.end());
    return c;
}

ChunkDecoder::ChunkDecoder() : dctx_(ZSTD_createDCtx())
{
    if (!dctx_)
        throw std::bad_alloc();
}

ChunkDecoder::~ChunkDecoder() { ZSTD_freeDCtx(dctx_); }

std::vector<std::byte> ChunkDecoder::decode(Chunk chunk)
{
    if (!chunk.compressed)
        return std::move(chunk.data);
    if (chunk.length > kMaxChunkSize)
        throw net::ProtocolError("chunk at " + std::to_string(chunk.offset) + ": length " +
                                 std::to_string(chunk.length) + " above the limit");
    const unsigned long long declared = ZSTD_getFrameContentSize(chunk.data.data(), chunk.data.size());
    if (declared != chunk.length)
        throw net::ProtocolError("chunk at " + std::to_string(chunk.offset) +
                                 ": zstd frame does not declare the chunk's length " + std::to_string(chunk.length));
    std::vector<std::byte> out(chunk.length);
    const std::size_t n = ZSTD_decompressDCtx(dctx_, out.data(), out.size(), chunk.data.data(), chunk.data.size());
    if (ZSTD_isError(n) || n != chunk.length)
        throw net::ProtocolError("chunk at " + std::to_string(chunk.offset) + ": bad zstd data" +
                                 (ZSTD_isError(n) ? std::string(": ") + ZSTD_getErrorName(n) : std::string()));
    return out;
}

} // namespace mars::transfer
