// zstd on the wire, per chunk: a chunk is sent compressed only when that
// saves bytes (log records of already-compressed data, or random disk
// blocks, would grow), and the receiver checks every size before it trusts
// a peer's frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "transfer/transfer_messages.hpp"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace mars::transfer {

class ChunkEncoder {
  public:
    // compress = false sends every chunk as it is.
    explicit ChunkEncoder(bool compress);
    ~ChunkEncoder();
    ChunkEncoder(const ChunkEncoder&) = delete;
    ChunkEncoder& operator=(const ChunkEncoder&) = delete;

    Chunk encode(std::uint64_t offset, std::span<const std::byte> data);

  private:
    ZSTD_CCtx_s* cctx_ = nullptr;
};

class ChunkDecoder {
  public:
    ChunkDecoder();
    ~ChunkDecoder();
    ChunkDecoder(const ChunkDecoder&) = delete;
    ChunkDecoder& operator=(const ChunkDecoder&) = delete;

    // The chunk's plain bytes (exactly chunk.length of them). Throws
    // net::ProtocolError for a frame that is not zstd, decodes to another
    // size, or claims more than kMaxChunkSize.
    std::vector<std::byte> decode(Chunk chunk);

  private:
    ZSTD_DCtx_s* dctx_ = nullptr;
};

} // namespace mars::transfer
